/*
 * http: routes and the replies the master makes itself.
 */
#include "http.h"

#include <event2/buffer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connection.h"
#include "dispatch.h"
#include "log.h"
#include "router.h"
#include "supervisor.h"

#define HTTP_MAX_HEAD_BYTES (64 * 1024)
#define HTTP_MAX_HEADERS 100

struct http_server {
    const struct config *config;
    struct supervisor *supervisor;
    struct dispatch *dispatch;
    struct connection_server *connections;
};

static size_t http_respond(struct http_exchange *exchange, int status, const char *content_type)
{
    size_t length = evbuffer_get_length(http_exchange_output(exchange));
    http_exchange_respond(exchange, status, content_type);
    return length;
}

size_t http_send_reply(struct http_server *server, struct http_exchange *exchange, int status,
                       const char *content_type)
{
    (void)server;
    return http_respond(exchange, status, content_type);
}

size_t http_send_error(struct http_server *server, struct http_exchange *exchange, int status,
                       const char *name, const char *message, const char *trace, const char *allow)
{
    struct evbuffer *output = http_exchange_output(exchange);
    char *body = error_json_body(name, message, server->config->error_tracebacks ? trace : NULL);

    evbuffer_drain(output, evbuffer_get_length(output));
    if (allow != NULL)
        http_exchange_add_header(exchange, "Allow", allow);
    if (body != NULL)
        evbuffer_add(output, body, strlen(body));
    else
        evbuffer_add_printf(output, "{\"error\":\"MemoryError\",\"error-message\":\"out of memory\"}");
    free(body);
    return http_respond(exchange, status, "application/json");
}

static void http_ping(struct http_server *server, struct http_exchange *exchange)
{
    const char *name, *message, *trace;

    switch (supervisor_health(server->supervisor)) {
    case HEALTH_READY:
        http_respond(exchange, 200, "application/json");
        break;
    case HEALTH_LOADING:
        http_send_error(server, exchange, 503, error_name(ERR_UNAVAILABLE),
                        "the model is still loading: no worker is ready yet", NULL, NULL);
        break;
    case HEALTH_FAILED:
        supervisor_load_error(server->supervisor, &name, &message, &trace);
        http_send_error(server, exchange, 500, name, message, trace, NULL);
        break;
    }
}

static void http_execution_parameters(struct http_server *server, struct http_exchange *exchange)
{
    struct evbuffer *output = http_exchange_output(exchange);
    size_t length;
    const char *user = supervisor_execution_parameters(server->supervisor, &length);

    if (user != NULL)
        evbuffer_add(output, user, length);
    else
        evbuffer_add_printf(output,
                            "{\"MaxConcurrentTransforms\": %d, \"BatchStrategy\": \"MULTI_RECORD\", "
                            "\"MaxPayloadInMB\": %zu}",
                            server->config->workers, server->config->max_payload_bytes / (1024 * 1024));
    http_respond(exchange, 200, "application/json");
}

static void http_invocations(struct http_server *server, struct http_exchange *exchange)
{
    /* SageMaker's InvokeEndpoint forwards the caller's type as ContentType;
     * a plain HTTP client sends Content-Type. */
    const char *content_type = http_exchange_header(exchange, "ContentType");
    if (content_type == NULL)
        content_type = http_exchange_header(exchange, "Content-Type");
    dispatch_submit(server->dispatch, exchange, content_type, http_exchange_header(exchange, "Accept"));
}

static void http_request(struct http_exchange *exchange, void *arg)
{
    struct http_server *server = arg;
    struct error err;
    enum route route;
    const char *allow;

    error_clear(&err);
    if (router_route(http_exchange_method(exchange), http_exchange_target(exchange), &route, &allow, &err) != OK) {
        http_send_error(server, exchange, error_http_status(err.code), error_name(err.code), err.message, NULL,
                        allow);
        return;
    }
    switch (route) {
    case ROUTE_PING:
        log_write(LOG_DEBUG, "GET /ping");
        http_ping(server, exchange);
        break;
    case ROUTE_EXECUTION_PARAMETERS:
        http_execution_parameters(server, exchange);
        break;
    case ROUTE_INVOCATIONS:
        http_invocations(server, exchange);
        break;
    case ROUTE_NONE:
        break;
    }
}

struct http_server *http_server_new(const struct config *config, struct event_base *base,
                                    struct supervisor *supervisor, struct error *err)
{
    struct http_server *server = calloc(1, sizeof *server);
    struct connection_limits limits;

    if (server == NULL) {
        error_set(err, ERR_NOMEM, "out of memory");
        return NULL;
    }
    server->config = config;
    server->supervisor = supervisor;
    connection_limits_default(&limits);
    limits.max_head_bytes = HTTP_MAX_HEAD_BYTES;
    limits.max_headers = HTTP_MAX_HEADERS;
    limits.max_body = config->max_payload_bytes;
    /* Both at most 86400 s (config.h), so the milliseconds fit an int. */
    limits.request_timeout_ms = config->request_timeout_seconds * 1000;
    limits.idle_timeout_ms = config->idle_timeout_seconds * 1000;
    limits.max_connections = (size_t)config->max_connections;
    server->connections = connection_server_new(base, &limits, http_request, server);
    if (server->connections == NULL) {
        free(server);
        error_set(err, ERR_NOMEM, "cannot create the HTTP server");
        return NULL;
    }
    return server;
}

void http_server_set_dispatch(struct http_server *server, struct dispatch *dispatch)
{
    server->dispatch = dispatch;
}

enum error_code http_server_accept(struct http_server *server, int fd, struct error *err)
{
    return connection_server_listen(server->connections, fd, err);
}

void http_server_stop_accepting(struct http_server *server)
{
    connection_server_stop_accepting(server->connections);
}

size_t http_server_replies_in_flight(const struct http_server *server)
{
    return connection_server_replies_in_flight(server->connections);
}

size_t http_server_requests_unanswered(const struct http_server *server)
{
    return connection_server_requests_unanswered(server->connections);
}

void http_server_free(struct http_server *server)
{
    if (server == NULL)
        return;
    connection_server_free(server->connections);
    free(server);
}
