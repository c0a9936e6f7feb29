#include "router.h"

#include <string.h>

struct route_entry {
    const char *path;
    enum route route;
    unsigned methods;   /* bit per enum http_method */
    const char *allow;
};

#define BIT(method) (1u << (method))

static const struct route_entry routes[] = {
    { "/ping", ROUTE_PING, BIT(METHOD_GET) | BIT(METHOD_HEAD), "GET, HEAD" },
    { "/invocations", ROUTE_INVOCATIONS, BIT(METHOD_POST), "POST" },
    { "/execution-parameters", ROUTE_EXECUTION_PARAMETERS, BIT(METHOD_GET) | BIT(METHOD_HEAD), "GET, HEAD" },
};

enum error_code router_route(enum http_method method, const char *target,
                             enum route *route, const char **allow, struct error *err)
{
    size_t path_length = strcspn(target, "?#");

    *route = ROUTE_NONE;
    *allow = NULL;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        if (strlen(routes[i].path) != path_length || memcmp(routes[i].path, target, path_length) != 0)
            continue;
        if (!(routes[i].methods & BIT(method))) {
            *allow = routes[i].allow;
            return error_set(err, ERR_METHOD, "method not allowed on %s; allowed: %s",
                             routes[i].path, routes[i].allow);
        }
        *route = routes[i].route;
        return OK;
    }
    return error_set(err, ERR_NOT_FOUND, "no route for %.*s; the routes are /ping, /invocations and /execution-parameters",
                     (int)(path_length > 200 ? 200 : path_length), target);
}
