/*
 * listener: the listening sockets for the configured address and port.
 * Sockets are CLOEXEC, non-blocking, SO_REUSEADDR, with TCP_NODELAY set on the
 * listening socket so that every accepted connection inherits it (Linux).
 */
#ifndef HOOKHOST_LISTENER_H
#define HOOKHOST_LISTENER_H

#include "error.h"

#define LISTENER_MAX_SOCKETS 4

/* Binds host:port (every address it resolves to, up to LISTENER_MAX_SOCKETS)
 * and listens.  Fills fds and *count; the caller owns and closes the fds. */
enum error_code listener_open(const char *host, int port, int *fds, int *count, struct error *err);

#endif
