/*
 * startup: what happens once, in the master, before any worker starts:
 * unpack a code archive, check the user script exists, install
 * requirements.txt.  Helpers that need Python (tar extraction, pip) run as
 * child processes of the configured interpreter; the master never embeds it.
 */
#ifndef HOOKHOST_STARTUP_H
#define HOOKHOST_STARTUP_H

#include <limits.h>

#include "config.h"
#include "error.h"

struct startup {
    char code_dir[PATH_MAX];       /* where the user script is: SAGEMAKER_SUBMIT_DIRECTORY when it is
                                      a directory (used in place), else the code dir */
    char packages_dir[PATH_MAX];   /* pip --target of requirements.txt; "" when none */
};

/* Prepares code and requirements; on success workers may start.  Sets
 * HOOKHOST_PACKAGES_DIR in the environment the workers inherit. */
enum error_code startup_prepare(const struct config *config, struct startup *startup, struct error *err);

/* Removes what startup_prepare made that must not outlive the server. */
void startup_cleanup(struct startup *startup);

#endif
