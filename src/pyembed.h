/*
 * pyembed: the worker's interpreter.  Started after exec, never in a forked
 * copy; no Python signal handlers (the master owns signals); unbuffered
 * stdio; user print() and logging output tagged with the worker and written
 * as log records.
 */
#ifndef HOOKHOST_PYEMBED_H
#define HOOKHOST_PYEMBED_H

#include "config.h"
#include "pyerror.h"

/* Starts the interpreter with sys.path = [code dir, requirements dir (from
 * HOOKHOST_PACKAGES_DIR), hookhost's Python dir, ...the interpreter's own].
 * On failure fills failure (caller frees) and returns -1. */
int pyembed_start(const struct config *config, struct py_failure *failure);

/* Flushes user output and finalises the interpreter. */
void pyembed_stop(void);

#endif
