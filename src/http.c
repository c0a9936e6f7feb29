/*
 * http: evhttp configured for the contract.
 *
 * libevent's defaults are wrong for a server on the open network: unlimited
 * headers and bodies, no Content-Type default we want, and it quietly prefers
 * Transfer-Encoding over Content-Length.  Limits are set here and the
 * smuggling shapes (both headers, or two different Content-Lengths) are
 * refused in the request callback before anything is dispatched.
 */
#include "http.h"

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dispatch.h"
#include "log.h"
#include "router.h"
#include "supervisor.h"

#define HTTP_MAX_HEADERS_SIZE (64 * 1024)
#define HTTP_MAX_SOCKETS 4

struct http_server {
    const struct config *config;
    struct event_base *base;
    struct evhttp *evhttp;
    struct supervisor *supervisor;
    struct dispatch *dispatch;
    struct evhttp_bound_socket *bound[HTTP_MAX_SOCKETS];
    int bound_count;
    size_t replies_in_flight;    /* sent to evhttp, not yet written out */
};

static const char *http_reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 418: return "I'm a teapot";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    }
    return status < 400 ? "OK" : status < 500 ? "Client Error" : "Server Error";
}

static enum http_method http_method_of(enum evhttp_cmd_type command)
{
    switch (command) {
    case EVHTTP_REQ_GET: return METHOD_GET;
    case EVHTTP_REQ_HEAD: return METHOD_HEAD;
    case EVHTTP_REQ_POST: return METHOD_POST;
    case EVHTTP_REQ_PUT: return METHOD_PUT;
    case EVHTTP_REQ_DELETE: return METHOD_DELETE;
    case EVHTTP_REQ_OPTIONS: return METHOD_OPTIONS;
    case EVHTTP_REQ_TRACE: return METHOD_TRACE;
    case EVHTTP_REQ_CONNECT: return METHOD_CONNECT;
    case EVHTTP_REQ_PATCH: return METHOD_PATCH;
    }
    return METHOD_OTHER;
}

static void http_reply_complete(struct evhttp_request *request, void *arg)
{
    struct http_server *server = arg;
    (void)request;
    if (server->replies_in_flight > 0)
        server->replies_in_flight--;
}

static size_t http_finish(struct http_server *server, struct evhttp_request *request, int status)
{
    size_t length = evbuffer_get_length(evhttp_request_get_output_buffer(request));
    /* A request whose client went away has no connection; evhttp frees it
     * on send without calling the completion callback, so do not count it. */
    if (evhttp_request_get_connection(request) != NULL) {
        server->replies_in_flight++;
        evhttp_request_set_on_complete_cb(request, http_reply_complete, server);
    }
    evhttp_send_reply(request, status, http_reason(status), NULL);
    return length;
}

size_t http_send_reply(struct http_server *server, struct evhttp_request *request, int status,
                       const char *content_type)
{
    struct evkeyvalq *headers = evhttp_request_get_output_headers(request);
    if (content_type != NULL && evhttp_find_header(headers, "Content-Type") == NULL)
        evhttp_add_header(headers, "Content-Type", content_type);
    return http_finish(server, request, status);
}

size_t http_send_error(struct http_server *server, struct evhttp_request *request, int status,
                       const char *name, const char *message, const char *trace, const char *allow)
{
    struct evkeyvalq *headers = evhttp_request_get_output_headers(request);
    struct evbuffer *output = evhttp_request_get_output_buffer(request);
    char *body = error_json_body(name, message, server->config->error_tracebacks ? trace : NULL);

    evbuffer_drain(output, evbuffer_get_length(output));
    evhttp_remove_header(headers, "Content-Type");
    evhttp_add_header(headers, "Content-Type", "application/json");
    if (allow != NULL)
        evhttp_add_header(headers, "Allow", allow);
    if (body != NULL)
        evbuffer_add(output, body, strlen(body));
    else
        evbuffer_add_printf(output, "{\"error\":\"MemoryError\",\"error-message\":\"out of memory\"}");
    free(body);
    if (status >= 500)
        log_write(LOG_DEBUG, "%d %s: %s", status, name, message);
    return http_finish(server, request, status);
}

static void http_send_code(struct http_server *server, struct evhttp_request *request,
                           const struct error *err, const char *allow)
{
    http_send_error(server, request, error_http_status(err->code), error_name(err->code),
                    err->message, NULL, allow);
}

/* Refuses the header shapes that let a front proxy and us disagree on where
 * a request ends. */
static enum error_code http_check_framing(struct evhttp_request *request, struct error *err)
{
    struct evkeyvalq *headers = evhttp_request_get_input_headers(request);
    const char *content_length = NULL;
    bool transfer_encoding = false;

    for (struct evkeyval *header = headers->tqh_first; header; header = header->next.tqe_next) {
        if (strcasecmp(header->key, "Content-Length") == 0) {
            if (content_length != NULL && strcmp(content_length, header->value) != 0)
                return error_set(err, ERR_BAD_INPUT, "conflicting Content-Length headers (%s, %s)",
                                 content_length, header->value);
            content_length = header->value;
        } else if (strcasecmp(header->key, "Transfer-Encoding") == 0) {
            if (transfer_encoding || strcasecmp(header->value, "chunked") != 0)
                return error_set(err, ERR_BAD_INPUT, "unsupported Transfer-Encoding: %s (only one 'chunked' is accepted)",
                                 header->value);
            transfer_encoding = true;
        }
    }
    if (content_length != NULL && transfer_encoding)
        return error_set(err, ERR_BAD_INPUT, "a request must not carry both Content-Length and Transfer-Encoding");
    return OK;
}

static void http_ping(struct http_server *server, struct evhttp_request *request)
{
    const char *name, *message, *trace;

    switch (supervisor_health(server->supervisor)) {
    case HEALTH_READY:
        http_send_reply(server, request, 200, "application/json");
        break;
    case HEALTH_LOADING:
        http_send_error(server, request, 503, error_name(ERR_UNAVAILABLE),
                        "the model is still loading: no worker is ready yet", NULL, NULL);
        break;
    case HEALTH_FAILED:
        supervisor_load_error(server->supervisor, &name, &message, &trace);
        http_send_error(server, request, 500, name, message, trace, NULL);
        break;
    }
}

static void http_execution_parameters(struct http_server *server, struct evhttp_request *request)
{
    struct evbuffer *output = evhttp_request_get_output_buffer(request);
    size_t length;
    const char *user = supervisor_execution_parameters(server->supervisor, &length);

    if (user != NULL)
        evbuffer_add(output, user, length);
    else
        evbuffer_add_printf(output,
                            "{\"MaxConcurrentTransforms\": %d, \"BatchStrategy\": \"MULTI_RECORD\", "
                            "\"MaxPayloadInMB\": %zu}",
                            server->config->workers, server->config->max_payload_bytes / (1024 * 1024));
    http_send_reply(server, request, 200, "application/json");
}

static void http_invocations(struct http_server *server, struct evhttp_request *request)
{
    struct evkeyvalq *headers = evhttp_request_get_input_headers(request);
    /* SageMaker's InvokeEndpoint forwards the caller's type as ContentType;
     * a plain HTTP client sends Content-Type. */
    const char *content_type = evhttp_find_header(headers, "ContentType");
    if (content_type == NULL)
        content_type = evhttp_find_header(headers, "Content-Type");
    dispatch_submit(server->dispatch, request, content_type, evhttp_find_header(headers, "Accept"));
}

static void http_request(struct evhttp_request *request, void *arg)
{
    struct http_server *server = arg;
    struct error err;
    enum route route;
    const char *allow;
    const char *uri = evhttp_request_get_uri(request);

    error_clear(&err);
    if (router_route(http_method_of(evhttp_request_get_command(request)), uri ? uri : "",
                     &route, &allow, &err) != OK) {
        http_send_code(server, request, &err, allow);
        return;
    }
    if (http_check_framing(request, &err) != OK) {
        evhttp_add_header(evhttp_request_get_output_headers(request), "Connection", "close");
        http_send_code(server, request, &err, NULL);
        return;
    }
    switch (route) {
    case ROUTE_PING:
        log_write(LOG_DEBUG, "GET /ping");
        http_ping(server, request);
        break;
    case ROUTE_EXECUTION_PARAMETERS:
        http_execution_parameters(server, request);
        break;
    case ROUTE_INVOCATIONS:
        http_invocations(server, request);
        break;
    case ROUTE_NONE:
        break;
    }
}

struct http_server *http_server_new(const struct config *config, struct event_base *base,
                                    struct supervisor *supervisor, struct error *err)
{
    struct http_server *server = calloc(1, sizeof *server);
    if (server == NULL) {
        error_set(err, ERR_NOMEM, "out of memory");
        return NULL;
    }
    server->config = config;
    server->base = base;
    server->supervisor = supervisor;
    server->evhttp = evhttp_new(base);
    if (server->evhttp == NULL) {
        free(server);
        error_set(err, ERR_NOMEM, "evhttp_new failed");
        return NULL;
    }
    evhttp_set_max_headers_size(server->evhttp, HTTP_MAX_HEADERS_SIZE);
    evhttp_set_max_body_size(server->evhttp, (ev_ssize_t)config->max_payload_bytes);
    /* Every method reaches our callback, so unknown ones get 405 with Allow
     * rather than evhttp's bare 501. */
    evhttp_set_allowed_methods(server->evhttp,
                               EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT |
                               EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE |
                               EVHTTP_REQ_CONNECT | EVHTTP_REQ_PATCH);
    evhttp_set_default_content_type(server->evhttp, NULL);
    evhttp_set_flags(server->evhttp, EVHTTP_SERVER_LINGERING_CLOSE);
    {
        /* evhttp's timeout is per read and write; it closes idle keep-alive
         * connections and clients that stall mid-request. */
        struct timeval idle = { 60, 0 };
        evhttp_set_timeout_tv(server->evhttp, &idle);
    }
    evhttp_set_gencb(server->evhttp, http_request, server);
    return server;
}

void http_server_set_dispatch(struct http_server *server, struct dispatch *dispatch)
{
    server->dispatch = dispatch;
}

enum error_code http_server_accept(struct http_server *server, int fd, struct error *err)
{
    struct evhttp_bound_socket *bound;
    if (server->bound_count >= HTTP_MAX_SOCKETS)
        return error_set(err, ERR_INTERNAL, "too many listening sockets");
    bound = evhttp_accept_socket_with_handle(server->evhttp, fd);
    if (bound == NULL)
        return error_set(err, ERR_IO, "evhttp cannot accept on socket %d", fd);
    server->bound[server->bound_count++] = bound;
    return OK;
}

void http_server_stop_accepting(struct http_server *server)
{
    for (int i = 0; i < server->bound_count; i++)
        evhttp_del_accept_socket(server->evhttp, server->bound[i]);
    server->bound_count = 0;
}

size_t http_server_replies_in_flight(const struct http_server *server)
{
    return server->replies_in_flight;
}

void http_server_free(struct http_server *server)
{
    if (server == NULL)
        return;
    evhttp_free(server->evhttp);
    free(server);
}
