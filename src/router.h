/*
 * router: maps a method and a request target to one of the contract's routes.
 *
 * Pure string logic so routing, 404 and 405 are unit-tested without a socket.
 */
#ifndef HOOKHOST_ROUTER_H
#define HOOKHOST_ROUTER_H

#include "error.h"

enum route {
    ROUTE_NONE = 0,
    ROUTE_PING,                 /* GET, HEAD /ping */
    ROUTE_INVOCATIONS,          /* POST /invocations */
    ROUTE_EXECUTION_PARAMETERS  /* GET /execution-parameters */
};

enum http_method {
    METHOD_GET, METHOD_HEAD, METHOD_POST, METHOD_PUT, METHOD_DELETE,
    METHOD_OPTIONS, METHOD_TRACE, METHOD_CONNECT, METHOD_PATCH, METHOD_OTHER
};

/* Routes `target` (the request-target as sent: path plus an optional query,
 * which is ignored).  OK with *route set; ERR_NOT_FOUND for an unknown path;
 * ERR_METHOD when the path is known but not the method, with *allow set to
 * the value of the Allow header to send (a static string). */
enum error_code router_route(enum http_method method, const char *target,
                             enum route *route, const char **allow, struct error *err);

#endif
