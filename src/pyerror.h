/*
 * pyerror: the pending Python exception, as the contract reports it.
 * The traceback is formatted with traceback.format_exception, never
 * PyErr_Print (which exits on SystemExit and pins frames in sys.last_*).
 */
#ifndef HOOKHOST_PYERROR_H
#define HOOKHOST_PYERROR_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

struct py_failure {
    int status;      /* the exception's integer status_code/status in 400..599, else 500 */
    char *name;      /* the exception class name, e.g. "ValueError" */
    char *message;   /* str(exception) */
    char *trace;     /* the formatted traceback */
};

/* Takes (and clears) the pending exception into failure, whose strings the
 * caller frees with pyerror_free.  Never fails: on trouble the fields hold a
 * fixed text.  Must be called with an exception set. */
void pyerror_fetch(struct py_failure *failure);

/* Fills failure with our own error (no Python exception involved). */
void pyerror_make(struct py_failure *failure, int status, const char *name, const char *message);

void pyerror_free(struct py_failure *failure);

#endif
