/*
 * script_check: `hookhost check`, the user script and model loaded exactly as a
 * worker loads them (start-up preparation, interpreter, hooks_load), one
 * optional sample request through hooks_invoke, a report of the hooks, and
 * no server.  Meant for CI pipelines and image builds.
 *
 *   hookhost check [serve flags] [--sample FILE [--content-type T] [--accept A]]
 *
 * (Not check.h: that name is libcheck's, which the unit tests include.)
 */
#ifndef HOOKHOST_SCRIPT_CHECK_H
#define HOOKHOST_SCRIPT_CHECK_H

#include <stdio.h>

/* Exit statuses, the first three as `serve` uses them. */
#define CHECK_EXIT_OK 0
#define CHECK_EXIT_LOAD_FAILED 1    /* start-up, import or model_fn failed */
#define CHECK_EXIT_USAGE 2          /* bad command line or configuration */
#define CHECK_EXIT_SCRIPT_ERROR 3   /* no model_fn, transform_fn mixed with the other hooks */
#define CHECK_EXIT_SAMPLE_FAILED 4  /* the sample request was answered outside 2xx */

/* Runs the check for the arguments after "check"; the report goes to
 * stdout, problems (with the Python traceback) to stderr and the log.
 * Returns one of the CHECK_EXIT_* statuses. */
int script_check_main(int argc, char **argv);

/* Writes the `hookhost check --help` text. */
void script_check_usage(FILE *out);

#endif
