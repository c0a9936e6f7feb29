/*
 * http: the HTTP face of the master.  Sets the connection layer's limits
 * from the configuration, routes each request, answers /ping and
 * /execution-parameters itself (so they never wait behind a busy worker)
 * and passes /invocations to dispatch.  Every reply leaves through here.
 * Parsing, framing checks (smuggling, 413, 431) and keep-alive live in
 * connection.c and http_parser.c.
 */
#ifndef HOOKHOST_HTTP_H
#define HOOKHOST_HTTP_H

#include <stddef.h>

#include "config.h"
#include "error.h"

struct event_base;
struct http_exchange;
struct supervisor;
struct dispatch;

struct http_server *http_server_new(const struct config *config, struct event_base *base,
                                    struct supervisor *supervisor, struct error *err);
void http_server_free(struct http_server *server);
void http_server_set_dispatch(struct http_server *server, struct dispatch *dispatch);

/* Accepts connections on an already listening socket (see listener.h). */
enum error_code http_server_accept(struct http_server *server, int fd, struct error *err);
/* Stops accepting new connections (drain on SIGTERM). */
void http_server_stop_accepting(struct http_server *server);
/* Replies not yet fully written, and requests still arriving or being
 * served: the drain waits for both to reach zero. */
size_t http_server_replies_in_flight(const struct http_server *server);
size_t http_server_requests_unanswered(const struct http_server *server);

/* Both senders return the number of body bytes sent, for the access log. */

/* Sends the contract's JSON error body with the given status.
 * trace may be NULL; it is included only with HOOKHOST_ERROR_TRACEBACKS=1.
 * allow, when not NULL, becomes the Allow header. */
size_t http_send_error(struct http_server *server, struct http_exchange *exchange, int status,
                       const char *name, const char *message, const char *trace, const char *allow);
/* Sends status with the body already placed in the exchange's output. */
size_t http_send_reply(struct http_server *server, struct http_exchange *exchange, int status,
                       const char *content_type);

#endif
