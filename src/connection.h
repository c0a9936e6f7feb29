/*
 * connection: hookhost's HTTP/1.1 server on libevent's event loop and
 * bufferevents (libevent core only; evhttp is not used).
 *
 * It accepts on listening sockets, frames requests with http_parser, and
 * hands each complete request (head + body) to one handler as an exchange.
 * Everything the contract needs from the transport lives here: limits (431,
 * 414, 413 decided from Content-Length before the body is read), smuggling
 * refusals (400), Expect: 100-continue, chunked bodies, pipelining (one
 * request at a time per connection, answered in order), a whole-request
 * deadline (408) and an idle keep-alive timeout, a connection cap (503), JSON
 * error bodies for every error it answers itself, and lingering close so a
 * client still sending gets the error instead of a reset.
 *
 * An exchange is answered exactly once with http_exchange_respond(), at once
 * or later from any callback of the same loop.  If the client hangs up
 * meanwhile, the exchange stays valid until then and the answer is dropped.
 */
#ifndef HOOKHOST_CONNECTION_H
#define HOOKHOST_CONNECTION_H

#include <stddef.h>

#include "error.h"
#include "router.h"

struct event_base;
struct evbuffer;
struct http_exchange;
struct connection_server;

struct connection_limits {
    size_t max_head_bytes;   /* request line + fields: 431 above (default 64 KiB) */
    size_t max_headers;      /* header fields per request: 431 above (default 100) */
    size_t max_body;         /* request body bytes: 413 above (default 100 MiB) */
    int request_timeout_ms;  /* first byte to last body byte, else 408 (default 30 s; <= 0: none) */
    int idle_timeout_ms;     /* keep-alive wait for the next request, and longest write
                                stall, before closing (default 60 s; <= 0: none) */
    size_t max_connections;  /* open connections; beyond it a new one gets 503 and is
                                closed (default 1024) */
};

/* Fills limits with the defaults above. */
void connection_limits_default(struct connection_limits *limits);

/* Called once per complete request; the exchange is the callee's until it
 * calls http_exchange_respond(). */
typedef void (*connection_handler)(struct http_exchange *exchange, void *arg);

/* A server on base; limits are copied.  NULL when out of memory. */
struct connection_server *connection_server_new(struct event_base *base, const struct connection_limits *limits,
                                                connection_handler handler, void *arg);

/* Accepts connections on listening_fd (already bound and listening).  On OK
 * the server owns the fd and closes it when it stops accepting or is freed;
 * on failure the fd stays the caller's. */
enum error_code connection_server_listen(struct connection_server *server, int listening_fd, struct error *err);

/* For the drain: closes the listening sockets; idle keep-alive connections
 * are closed, busy ones get "Connection: close" on their next response. */
void connection_server_stop_accepting(struct connection_server *server);

/* Responses queued on a connection but not yet written to its socket. */
size_t connection_server_replies_in_flight(const struct connection_server *server);

/* Requests begun (a byte arrived) and not yet answered: being received or
 * with the handler.  The drain is over when this and replies_in_flight are
 * both 0 (a request still uploading is in neither dispatch nor the replies). */
size_t connection_server_requests_unanswered(const struct connection_server *server);

/* Open client connections (the ones counted against max_connections). */
size_t connection_server_connections(const struct connection_server *server);

/* Closes everything.  Exchanges not yet responded to become invalid, so
 * call it after the handler's work is done (or abandoned). */
void connection_server_free(struct connection_server *server);

/* ---- the exchange: one request and its response ----------------------- */

enum http_method http_exchange_method(const struct http_exchange *exchange);

/* The request-target as sent (path and query), NUL-terminated. */
const char *http_exchange_target(const struct http_exchange *exchange);

/* The first field called name (case-insensitive), or NULL.  The string is
 * the exchange's, valid until the response. */
const char *http_exchange_header(const struct http_exchange *exchange, const char *name);

/* The request body (chunked coding removed).  The caller may drain or move
 * it (evbuffer_add_buffer) without copying. */
struct evbuffer *http_exchange_body(struct http_exchange *exchange);

/* The response body: fill it (or move buffers into it) before responding. */
struct evbuffer *http_exchange_output(struct http_exchange *exchange);

/* Adds a response header.  Names and values with CR, LF or other control
 * bytes are dropped with a warning; Content-Length and Transfer-Encoding are
 * ignored (the server frames the body); "Connection: close" closes the
 * connection after this response.  A Content-Type given here wins over the
 * one passed to http_exchange_respond(). */
void http_exchange_add_header(struct http_exchange *exchange, const char *name, const char *value);

/* Sends the response (status 200..599, anything else becomes 500; no body for
 * HEAD, 204 and 304) with content_type when not NULL, moving the output
 * without a copy, and releases the exchange: it is invalid afterwards. */
void http_exchange_respond(struct http_exchange *exchange, int status, const char *content_type);

#endif
