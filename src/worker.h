/*
 * worker: one process, one interpreter, one request at a time.
 *
 * Started by the master as `hookhost --worker N <serve flags>` with its end of
 * the channel on fd 3.  Loads the model, reports READY (or LOAD_FAILED and
 * exits), then loops: read a request frame, run the hooks, write the reply.
 */
#ifndef HOOKHOST_WORKER_H
#define HOOKHOST_WORKER_H

#include "config.h"

/* Exit statuses: 0 the master closed the channel; 3 the model failed to
 * load; 4 the script itself is wrong (retrying cannot help; the LOAD_FAILED
 * frame says so with status 1); 5 the channel broke. */
#define WORKER_EXIT_LOAD_FAILED 3
#define WORKER_EXIT_SCRIPT_ERROR 4
#define WORKER_EXIT_CHANNEL 5

int worker_main(const struct config *config, int index);

#endif
