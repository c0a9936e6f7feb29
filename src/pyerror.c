#define _GNU_SOURCE
#include "pyerror.h"

#include <stdlib.h>
#include <string.h>

static char *pyerror_text(PyObject *object, const char *fallback)
{
    const char *utf8 = NULL;
    char *copy;
    if (object != NULL && PyUnicode_Check(object))
        utf8 = PyUnicode_AsUTF8(object);   /* borrowed from object */
    if (utf8 == NULL) {
        PyErr_Clear();
        utf8 = fallback;
    }
    copy = strdup(utf8);
    return copy ? copy : strdup("");
}

/* exception.status_code (or .status) when it is an int in 400..599. */
static int pyerror_status(PyObject *exception)
{
    static const char *const names[] = { "status_code", "status" };
    for (size_t i = 0; i < 2; i++) {
        PyObject *value = PyObject_GetAttrString(exception, names[i]);   /* new reference */
        if (value == NULL) {
            PyErr_Clear();
            continue;
        }
        if (PyLong_Check(value) && !PyBool_Check(value)) {
            long status = PyLong_AsLong(value);
            Py_DECREF(value);
            if (status >= 400 && status <= 599)
                return (int)status;
            PyErr_Clear();
            continue;
        }
        Py_DECREF(value);
    }
    return 500;
}

/* The pending exception as one normalised object (new reference), with its
 * traceback attached; NULL when none is set. */
static PyObject *pyerror_take(void)
{
#if PY_VERSION_HEX >= 0x030C0000
    return PyErr_GetRaisedException();                   /* new reference */
#else
    PyObject *type, *value, *traceback;
    PyErr_Fetch(&type, &value, &traceback);               /* new references (or NULL) */
    if (type == NULL)
        return NULL;
    PyErr_NormalizeException(&type, &value, &traceback);
    if (traceback != NULL && value != NULL)
        PyException_SetTraceback(value, traceback);
    Py_XDECREF(type);
    Py_XDECREF(traceback);
    return value;
#endif
}

static char *pyerror_format_trace(PyObject *exception)
{
    PyObject *module = PyImport_ImportModule("traceback");                       /* new */
    PyObject *lines = NULL, *empty = NULL, *joined = NULL;
    char *text;

    if (module != NULL)
        lines = PyObject_CallMethod(module, "format_exception", "O", exception);  /* new */
    if (lines != NULL)
        empty = PyUnicode_FromString("");                                         /* new */
    if (empty != NULL)
        joined = PyUnicode_Join(empty, lines);                                    /* new */
    text = pyerror_text(joined, "(the traceback could not be formatted)");
    Py_XDECREF(joined);
    Py_XDECREF(empty);
    Py_XDECREF(lines);
    Py_XDECREF(module);
    PyErr_Clear();
    return text;
}

void pyerror_fetch(struct py_failure *failure)
{
    PyObject *exception = pyerror_take();
    PyObject *text;

    if (exception == NULL) {
        pyerror_make(failure, 500, "InternalServerError", "an unknown error occurred (no exception was set)");
        return;
    }
    failure->status = pyerror_status(exception);
    failure->name = strdup(Py_TYPE(exception)->tp_name);
    if (failure->name != NULL && strrchr(failure->name, '.') != NULL)
        memmove(failure->name, strrchr(failure->name, '.') + 1, strlen(strrchr(failure->name, '.')));
    /* HTTPError and friends carry a message attribute meant for the client. */
    text = PyObject_GetAttrString(exception, "message");                          /* new */
    if (text == NULL || !PyUnicode_Check(text)) {
        PyErr_Clear();
        Py_XDECREF(text);
        text = PyObject_Str(exception);                                           /* new */
    }
    failure->message = pyerror_text(text, "(the exception could not be printed)");
    Py_XDECREF(text);
    PyErr_Clear();
    if (failure->message != NULL && failure->message[0] == '\0') {
        /* MemoryError() and bare `raise X` carry no text; the body must still
         * say what went wrong. */
        free(failure->message);
        failure->message = NULL;
        if (asprintf(&failure->message, "%s was raised without a message", Py_TYPE(exception)->tp_name) < 0)
            failure->message = strdup("an exception was raised without a message");
    }
    failure->trace = pyerror_format_trace(exception);
    Py_DECREF(exception);
    if (failure->name == NULL)
        failure->name = strdup("Exception");
}

void pyerror_make(struct py_failure *failure, int status, const char *name, const char *message)
{
    failure->status = status;
    failure->name = strdup(name);
    failure->message = strdup(message);
    failure->trace = strdup("");
}

void pyerror_free(struct py_failure *failure)
{
    free(failure->name);
    free(failure->message);
    free(failure->trace);
    failure->name = failure->message = failure->trace = NULL;
}
