/*
 * master: the composition root of the serving process.  Wires listener,
 * http, dispatch and supervisor around one event loop, and runs the SIGTERM
 * drain: stop accepting, let queued and in-flight requests finish (bounded by
 * HOOKHOST_GRACEFUL_TIMEOUT), stop the workers, exit 0.  Never runs Python.
 */
#ifndef HOOKHOST_MASTER_H
#define HOOKHOST_MASTER_H

#include "config.h"

/* Serves until a signal ends it; returns the process exit status. */
int master_run(const struct config *config, const char *argv0, int serve_argc, char **serve_argv);

#endif
