/*
 * connection: one bufferevent per client, one request at a time.
 *
 * A connection cycles HEAD -> BODY -> HANDLER -> HEAD; an answer that ends
 * it goes CLOSING (flush) -> LINGERING (write side shut, input discarded
 * until EOF or a second passes, so the client reads our answer instead of a
 * reset caused by its own unread bytes) -> freed.
 *
 * connection_process() is the only driver: it runs steps until one makes no
 * progress.  It is re-entrant by refusal - a handler that responds at once
 * calls it while it runs, and the nested call just returns, so pipelined
 * requests are handled by the loop, in order, with no recursion - and it is
 * the last thing every callback does, because it may free the connection.
 *
 * Zero-copy where it matters: the head is parsed in place in the input
 * buffer's first chain (linearised only when a head straddles chains) and
 * copied once into the exchange so it can be NUL-cut; bodies move between
 * evbuffers chain by chain.  The exchange is embedded in the connection and
 * its buffers are reused, so a keep-alive request allocates nothing of ours.
 *
 * If the socket fails while the handler has the request, the socket is freed
 * at once but the connection (which holds the exchange) stays until the
 * handler responds: then it is freed without writing anything.
 */
#include "connection.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "buffer.h"
#include "http_parser.h"
#include "log.h"
#include "socket_drain.h"
#include "socket_send.h"

#define LISTENERS_MAX 8
#define LINGER_MS 1000
#define ACCEPT_PAUSE_MS 100              /* after EMFILE and the like */
#define REJECTING_MAX 64                 /* 503s being sent at once; beyond, plain close */
#define OUTPUT_HIGH_WATER (1024 * 1024)  /* unread responses before pipelining pauses */
#define RESPONSE_HEAD_MAX (1024 * 1024)  /* status line + every header of one response */
#define CONTINUE_LINE "HTTP/1.1 100 Continue\r\n\r\n"

enum connection_state {
    STATE_HEAD,      /* waiting for or reading a request head */
    STATE_BODY,      /* reading a body */
    STATE_HANDLER,   /* the handler has the exchange */
    STATE_CLOSING,   /* last response queued; linger once it is written */
    STATE_LINGERING  /* write side shut, discarding input */
};

enum timer_purpose { TIMER_NONE, TIMER_IDLE, TIMER_REQUEST, TIMER_LINGER };

struct http_exchange {
    struct connection *connection;
    enum http_method method;
    bool keep_alive;             /* as the request asked */
    bool close_requested;        /* the handler added Connection: close */
    bool has_content_type;       /* the handler added Content-Type */
    int version_minor;
    struct buffer head;          /* copy of the request head, NUL-cut at every span end */
    struct evbuffer *body;
    struct evbuffer *output;
    struct buffer extra_headers; /* "Name: value\r\n" lines from the handler */
};

struct connection {
    struct connection_server *server;
    struct bufferevent *bufferevent;  /* NULL once the socket is gone */
    struct event *timer;
    enum timer_purpose timer_purpose;
    enum connection_state state;
    struct http_parser parser;
    struct http_header *headers;      /* parser's field spans, max_headers of them */
    struct http_chunked chunked;
    bool chunked_body;
    uint64_t body_remaining;          /* Content-Length bytes still to read */
    bool request_started;             /* a byte of the current request arrived */
    bool processing;                  /* inside connection_process */
    bool peer_eof;                    /* the client shut its write side */
    bool rejected;                    /* over max_connections: 503 and close */
    bool counted;                     /* in server->connections or ->rejecting */
    size_t unflushed;                 /* responses queued, not yet written */
    struct buffer response_head;      /* reused for every status line + headers */
    struct http_exchange exchange;
    LIST_ENTRY(connection) link;
};

struct connection_server {
    struct event_base *base;
    struct connection_limits limits;
    connection_handler handler;
    void *handler_arg;
    struct evconnlistener *listeners[LISTENERS_MAX];
    int listener_count;
    struct event *accept_resume;      /* re-enables accepting after EMFILE */
    bool stopped;                     /* no longer accepting: close after each response */
    size_t connections;               /* counted against max_connections */
    size_t rejecting;                 /* 503 connections still open */
    size_t replies_in_flight;
    LIST_HEAD(, connection) all;
    time_t date_second;
    char date[32];                    /* IMF-fixdate of date_second */
};

static void connection_process(struct connection *connection);

void connection_limits_default(struct connection_limits *limits)
{
    limits->max_head_bytes = HTTP_HEAD_MAX;
    limits->max_headers = HTTP_HEADERS_MAX;
    limits->max_body = 100 * 1024 * 1024;
    limits->request_timeout_ms = 30 * 1000;
    limits->idle_timeout_ms = 60 * 1000;
    limits->max_connections = 1024;
}

/* ---- text ------------------------------------------------------------- */

static const char *status_reason(int status)
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
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    }
    return status < 400 ? "OK" : status < 500 ? "Client Error" : "Server Error";
}

static enum http_method method_from_name(const char *name)
{
    static const struct { const char *name; enum http_method method; } methods[] = {
        { "GET", METHOD_GET }, { "POST", METHOD_POST }, { "HEAD", METHOD_HEAD }, { "PUT", METHOD_PUT },
        { "DELETE", METHOD_DELETE }, { "OPTIONS", METHOD_OPTIONS }, { "TRACE", METHOD_TRACE },
        { "CONNECT", METHOD_CONNECT }, { "PATCH", METHOD_PATCH },
    };
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
        if (strcmp(name, methods[i].name) == 0) /* methods are case-sensitive */
            return methods[i].method;
    return METHOD_OTHER;
}

/* Date header value, formatted once a second, without the locale. */
static const char *server_date(struct connection_server *server)
{
    static const char days[][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
    static const char months[][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
    time_t now = time(NULL);
    struct tm tm;
    if (now != server->date_second && gmtime_r(&now, &tm) != NULL) {
        snprintf(server->date, sizeof server->date, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday],
                 tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
        server->date_second = now;
    }
    return server->date;
}

/* True when the comma-separated value lists token (case-insensitive). */
static bool value_has_token(const char *value, const char *token)
{
    size_t length = strlen(token);
    for (const char *item = value; *item != '\0';) {
        const char *end = item + strcspn(item, ",");
        const char *last = end;
        while (*item == ' ' || *item == '\t')
            item++;
        while (last > item && (last[-1] == ' ' || last[-1] == '\t'))
            last--;
        if ((size_t)(last - item) == length && strncasecmp(item, token, length) == 0)
            return true;
        item = *end ? end + 1 : end;
    }
    return false;
}

/* A header the handler may send: token name, value without control bytes. */
static bool header_is_safe(const char *name, const char *value)
{
    if (name[0] == '\0')
        return false;
    for (const unsigned char *c = (const unsigned char *)name; *c; c++)
        if (*c <= ' ' || *c >= 0x7f || strchr("\"(),/:;<=>?@[\\]{}", *c) != NULL)
            return false;
    for (const unsigned char *c = (const unsigned char *)value; *c; c++)
        if ((*c < ' ' && *c != '\t') || *c == 0x7f)
            return false;
    return true;
}

/* ---- timers ----------------------------------------------------------- */

static void connection_arm(struct connection *connection, enum timer_purpose purpose)
{
    const struct connection_limits *limits = &connection->server->limits;
    int ms = purpose == TIMER_IDLE ? limits->idle_timeout_ms
             : purpose == TIMER_REQUEST ? limits->request_timeout_ms : LINGER_MS;
    struct timeval delay = { ms / 1000, (ms % 1000) * 1000 };

    if (connection->timer_purpose == purpose && purpose == TIMER_IDLE)
        return; /* idle time counts from when the connection went idle */
    evtimer_del(connection->timer);
    connection->timer_purpose = TIMER_NONE;
    if (ms > 0) {
        evtimer_add(connection->timer, &delay);
        connection->timer_purpose = purpose;
    }
}

static void connection_disarm(struct connection *connection)
{
    if (connection->timer_purpose != TIMER_NONE) {
        evtimer_del(connection->timer);
        connection->timer_purpose = TIMER_NONE;
    }
}

/* ---- life and death --------------------------------------------------- */

/* Frees the socket; the connection itself may live on for its exchange. */
static void connection_drop_socket(struct connection *connection)
{
    struct connection_server *server = connection->server;
    if (connection->bufferevent != NULL) {
        bufferevent_free(connection->bufferevent);
        connection->bufferevent = NULL;
    }
    connection_disarm(connection);
    server->replies_in_flight -= connection->unflushed;
    connection->unflushed = 0;
    if (connection->counted) {
        if (connection->rejected)
            server->rejecting--;
        else
            server->connections--;
        connection->counted = false;
    }
}

static void connection_free(struct connection *connection)
{
    connection_drop_socket(connection);
    LIST_REMOVE(connection, link);
    if (connection->timer)
        event_free(connection->timer);
    free(connection->headers);
    if (connection->exchange.body)
        evbuffer_free(connection->exchange.body);
    if (connection->exchange.output)
        evbuffer_free(connection->exchange.output);
    buffer_free(&connection->exchange.head);
    buffer_free(&connection->exchange.extra_headers);
    buffer_free(&connection->response_head);
    free(connection);
}

/* The socket failed or timed out: free everything, except what a handler
 * still holds. */
static void connection_abort(struct connection *connection)
{
    if (connection->state == STATE_HANDLER)
        connection_drop_socket(connection);
    else
        connection_free(connection);
}

/* The final response is written: shut our side and discard input until the
 * client closes too (or LINGER_MS passes). */
static void connection_linger(struct connection *connection)
{
    if (connection->peer_eof) {
        connection_free(connection);
        return;
    }
    connection->state = STATE_LINGERING;
    shutdown(bufferevent_getfd(connection->bufferevent), SHUT_WR);
    evbuffer_drain(bufferevent_get_input(connection->bufferevent),
                   evbuffer_get_length(bufferevent_get_input(connection->bufferevent)));
    connection_arm(connection, TIMER_LINGER);
}

/* ---- responses -------------------------------------------------------- */

static void exchange_release(struct http_exchange *exchange)
{
    evbuffer_drain(exchange->body, evbuffer_get_length(exchange->body));
    evbuffer_drain(exchange->output, evbuffer_get_length(exchange->output));
    buffer_reset(&exchange->extra_headers);
    exchange->close_requested = false;
    exchange->has_content_type = false;
    exchange->method = METHOD_OTHER;
    http_parser_reset(&exchange->connection->parser);
}

static enum error_code head_append_line(struct buffer *head, const char *name, const char *value)
{
    enum error_code code = buffer_append_string(head, name);
    if (code == OK)
        code = buffer_append(head, ": ", 2);
    if (code == OK)
        code = buffer_append_string(head, value);
    if (code == OK)
        code = buffer_append(head, "\r\n", 2);
    return code;
}

/* Queues the status line, headers and (unless HEAD/204/304) the output.
 * Returns closing, or true when memory ran out and a bare 500 went instead. */
static bool connection_write_response(struct connection *connection, int status, const char *content_type,
                                      bool closing)
{
    static const char fallback[] = "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n"
                                   "Connection: close\r\n\r\n";
    struct http_exchange *exchange = &connection->exchange;
    struct buffer *head = &connection->response_head;
    struct evbuffer *socket_output = bufferevent_get_output(connection->bufferevent);
    bool bodiless = status == 204 || status == 304;
    char line[96];
    enum error_code code;

    buffer_reset(head);
    snprintf(line, sizeof line, "HTTP/1.1 %d %s\r\n", status, status_reason(status));
    code = buffer_append_string(head, line);
    if (code == OK)
        code = head_append_line(head, "Date", server_date(connection->server));
    if (code == OK && !bodiless) {
        snprintf(line, sizeof line, "%zu", evbuffer_get_length(exchange->output));
        code = head_append_line(head, "Content-Length", line);
    }
    if (code == OK && content_type != NULL && !exchange->has_content_type) {
        if (header_is_safe("Content-Type", content_type))
            code = head_append_line(head, "Content-Type", content_type);
        else
            log_write(LOG_WARNING, "dropped a Content-Type holding control characters");
    }
    if (code == OK && (closing || exchange->version_minor == 0))
        code = head_append_line(head, "Connection", closing ? "close" : "keep-alive");
    if (code == OK && exchange->extra_headers.length > 0)
        code = buffer_append(head, exchange->extra_headers.data, exchange->extra_headers.length);
    if (code == OK)
        code = buffer_append(head, "\r\n", 2);

    if (code == OK) {
        struct iovec head_piece = { head->data, head->length };
        if (exchange->method == METHOD_HEAD || bodiless)
            evbuffer_drain(exchange->output, evbuffer_get_length(exchange->output));
        socket_send(bufferevent_getfd(connection->bufferevent), &head_piece, 1, exchange->output, socket_output);
        /* All written: nothing for the write callback to account for. */
        if (evbuffer_get_length(socket_output) == 0)
            return closing;
    } else {
        log_write(LOG_ERROR, "out of memory writing a %d response; sending 500 and closing", status);
        evbuffer_add(socket_output, fallback, sizeof fallback - 1);
        closing = true;
    }
    connection->unflushed++;
    connection->server->replies_in_flight++;
    return closing;
}

/* Answers an error this layer detected, with the contract's JSON body, and
 * closes the connection once the answer is written. */
static void connection_fail(struct connection *connection, int status, const char *message)
{
    struct http_exchange *exchange = &connection->exchange;
    char *body = error_json_body(error_name(error_code_for_status(status)), message, NULL);

    log_write(LOG_DEBUG, "answered %d to a client: %s", status, message);
    evbuffer_drain(exchange->body, evbuffer_get_length(exchange->body));
    evbuffer_drain(exchange->output, evbuffer_get_length(exchange->output));
    buffer_reset(&exchange->extra_headers);
    exchange->has_content_type = false;
    if (body != NULL)
        evbuffer_add(exchange->output, body, strlen(body));
    free(body);
    connection_disarm(connection);
    connection_write_response(connection, status, "application/json", true);
    connection->state = STATE_CLOSING;
    connection->request_started = false;
}

/* ---- requests --------------------------------------------------------- */

static void connection_deliver(struct connection *connection)
{
    struct connection_server *server = connection->server;
    connection->state = STATE_HANDLER;
    connection->request_started = false;
    connection_disarm(connection);
    server->handler(&connection->exchange, server->handler_arg);
}

/* Parses the buffered head in place: in the first chain when the head fits
 * there (nearly always), else after linearising at most max_head_bytes. */
static enum http_parse_status connection_parse_head(struct connection *connection, struct evbuffer *input,
                                                    const char **head)
{
    size_t want = evbuffer_get_length(input);
    struct evbuffer_iovec first = { NULL, 0 };
    enum http_parse_status status = HTTP_PARSE_NEED_MORE;

    if (want > connection->server->limits.max_head_bytes)
        want = connection->server->limits.max_head_bytes;
    if (evbuffer_peek(input, -1, NULL, &first, 1) >= 1) {
        *head = first.iov_base;
        status = http_parser_feed(&connection->parser, *head, first.iov_len < want ? first.iov_len : want);
    }
    if (status == HTTP_PARSE_NEED_MORE && first.iov_len < want) {
        *head = (const char *)evbuffer_pullup(input, (ev_ssize_t)want);
        if (*head == NULL)
            return HTTP_PARSE_ERROR;
        status = http_parser_feed(&connection->parser, *head, want);
    }
    return status;
}

/* The head is complete at data: copy it into the exchange, cut it into
 * strings, drop it from input and decide how to read the body. */
static void connection_begin_request(struct connection *connection, struct evbuffer *input, const char *data)
{
    const struct http_parser *parser = &connection->parser;
    struct http_exchange *exchange = &connection->exchange;
    char *copy;

    buffer_reset(&exchange->head);
    if (buffer_append(&exchange->head, data, parser->head_length) != OK) {
        connection_fail(connection, 500, "out of memory");
        return;
    }
    copy = exchange->head.data;
    copy[parser->method.offset + parser->method.length] = '\0';
    copy[parser->target.offset + parser->target.length] = '\0';
    for (size_t i = 0; i < parser->header_count; i++) {
        copy[parser->headers[i].name.offset + parser->headers[i].name.length] = '\0';
        copy[parser->headers[i].value.offset + parser->headers[i].value.length] = '\0';
    }
    evbuffer_drain(input, parser->head_length);
    exchange->method = method_from_name(copy + parser->method.offset);
    exchange->keep_alive = parser->keep_alive;
    exchange->version_minor = parser->version_minor;

    if (parser->framing == HTTP_BODY_NONE || (parser->framing == HTTP_BODY_LENGTH && parser->content_length == 0)) {
        connection_deliver(connection);
        return;
    }
    connection->state = STATE_BODY;
    connection->chunked_body = parser->framing == HTTP_BODY_CHUNKED;
    connection->body_remaining = parser->content_length;
    if (connection->chunked_body)
        http_chunked_init(&connection->chunked, connection->server->limits.max_body,
                          connection->server->limits.max_head_bytes);
    /* The body is acceptable so far; a client that already sent some of it
     * needs no invitation. */
    if (parser->expect_continue && evbuffer_get_length(input) == 0)
        evbuffer_add(bufferevent_get_output(connection->bufferevent), CONTINUE_LINE, sizeof CONTINUE_LINE - 1);
}

/* One step in STATE_HEAD; true when it made progress. */
static bool connection_read_head(struct connection *connection)
{
    struct connection_server *server = connection->server;
    struct evbuffer *input = bufferevent_get_input(connection->bufferevent);
    const char *data = NULL;
    enum http_parse_status status;

    if (evbuffer_get_length(input) == 0) {
        if (connection->peer_eof || server->stopped)
            connection->state = STATE_CLOSING; /* nothing more will be asked */
        else
            connection_arm(connection, TIMER_IDLE);
        return false;
    }
    /* A client that sends but does not read: stop until it catches up. */
    if (evbuffer_get_length(bufferevent_get_output(connection->bufferevent)) > OUTPUT_HIGH_WATER)
        return false;
    if (!connection->request_started) {
        connection->request_started = true;
        connection_arm(connection, TIMER_REQUEST);
    }
    status = connection_parse_head(connection, input, &data);
    if (status == HTTP_PARSE_NEED_MORE) {
        if (connection->peer_eof)
            connection->state = STATE_CLOSING; /* the rest will never come */
        return false;
    }
    if (status == HTTP_PARSE_ERROR) {
        if (connection->parser.error_status == 0)
            connection_fail(connection, 500, "out of memory");
        else
            connection_fail(connection, connection->parser.error_status, connection->parser.error_message);
        return false;
    }
    connection_begin_request(connection, input, data);
    return true;
}

/* One step in STATE_BODY; true when the body is complete. */
static bool connection_read_body(struct connection *connection)
{
    struct evbuffer *input = bufferevent_get_input(connection->bufferevent);
    struct evbuffer *body = connection->exchange.body;

    if (!connection->chunked_body) {
        size_t take = evbuffer_get_length(input);
        if (take > connection->body_remaining)
            take = (size_t)connection->body_remaining;
        evbuffer_remove_buffer(input, body, take);
        connection->body_remaining -= take;
        if (connection->body_remaining == 0) {
            connection_deliver(connection);
            return true;
        }
    } else {
        while (evbuffer_get_length(input) > 0) {
            struct evbuffer_iovec first;
            size_t skip, data_length;
            enum http_parse_status status;

            evbuffer_peek(input, -1, NULL, &first, 1);
            status = http_chunked_feed(&connection->chunked, first.iov_base, first.iov_len, &skip, &data_length);
            evbuffer_drain(input, skip);
            if (status == HTTP_PARSE_DATA) {
                evbuffer_remove_buffer(input, body, data_length);
            } else if (status == HTTP_PARSE_DONE) {
                connection_deliver(connection);
                return true;
            } else if (status == HTTP_PARSE_ERROR) {
                connection_fail(connection, connection->chunked.error_status, connection->chunked.error_message);
                return false;
            }
        }
    }
    if (connection->peer_eof)
        connection->state = STATE_CLOSING;
    return false;
}

/* Runs the connection until it waits for something; may free it. */
static void connection_process(struct connection *connection)
{
    bool progress = true;

    if (connection->processing || connection->bufferevent == NULL)
        return;
    connection->processing = true;
    while (progress) {
        if (connection->state == STATE_HEAD)
            progress = connection_read_head(connection);
        else if (connection->state == STATE_BODY)
            progress = connection_read_body(connection);
        else
            progress = false;
    }
    connection->processing = false;
    if (connection->state == STATE_CLOSING &&
        evbuffer_get_length(bufferevent_get_output(connection->bufferevent)) == 0)
        connection_linger(connection);
}

/* ---- callbacks -------------------------------------------------------- */

/* How much unparsed input a connection may hold: room for a whole head
 * twice over, and enough for large reads of a body. */
static size_t connection_read_high_water(const struct connection_limits *limits)
{
    return 2 * limits->max_head_bytes > 256 * 1024 ? 2 * limits->max_head_bytes : 256 * 1024;
}

static void connection_read_callback(struct bufferevent *bufferevent, void *arg)
{
    struct connection *connection = arg;
    struct evbuffer *input = bufferevent_get_input(bufferevent);
    size_t high_water = connection_read_high_water(&connection->server->limits);
    size_t held = evbuffer_get_length(input);

    if (connection->state == STATE_CLOSING || connection->state == STATE_LINGERING) {
        evbuffer_drain(input, held);
        return;
    }
    /* libevent's own read takes at most 4096 bytes: less than that held
     * means the socket had no more, and small requests skip the extra ioctl. */
    if (held >= 4096 && held < high_water)
        socket_drain(input, bufferevent_getfd(bufferevent), high_water - held);
    connection_process(connection);
}

/* Called when the output has been written out completely. */
static void connection_write_callback(struct bufferevent *bufferevent, void *arg)
{
    struct connection *connection = arg;
    (void)bufferevent;
    connection->server->replies_in_flight -= connection->unflushed;
    connection->unflushed = 0;
    if (connection->state == STATE_CLOSING)
        connection_linger(connection);
    else if (connection->state == STATE_HEAD)
        connection_process(connection); /* pipelining may have paused on OUTPUT_HIGH_WATER */
}

static void connection_event_callback(struct bufferevent *bufferevent, short what, void *arg)
{
    struct connection *connection = arg;
    (void)bufferevent;
    if ((what & BEV_EVENT_EOF) && !(what & (BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT))) {
        /* A half-close still reads our answers; only the input has ended. */
        connection->peer_eof = true;
        if (connection->state == STATE_LINGERING)
            connection_free(connection);
        else if (connection->state == STATE_HEAD || connection->state == STATE_BODY)
            connection_process(connection);
        return;
    }
    connection_abort(connection);
}

static void connection_timer_callback(evutil_socket_t fd, short what, void *arg)
{
    struct connection *connection = arg;
    enum timer_purpose purpose = connection->timer_purpose;
    char message[128];
    (void)fd;
    (void)what;

    connection->timer_purpose = TIMER_NONE;
    if (purpose == TIMER_IDLE) {
        /* A large response still going out is not idleness; stalls are the
         * write timeout's business. */
        if (evbuffer_get_length(bufferevent_get_output(connection->bufferevent)) > 0)
            connection_arm(connection, TIMER_IDLE);
        else
            connection_free(connection);
    } else if (purpose == TIMER_REQUEST && (connection->state == STATE_HEAD || connection->state == STATE_BODY)) {
        snprintf(message, sizeof message, "the request was not received within %d ms",
                 connection->server->limits.request_timeout_ms);
        connection_fail(connection, 408, message);
        connection_process(connection);
    } else if (purpose == TIMER_LINGER) {
        connection_free(connection);
    }
}

/* ---- accepting -------------------------------------------------------- */

/* Takes fd; NULL (fd closed) when out of memory. */
static struct connection *connection_new(struct connection_server *server, evutil_socket_t fd, bool rejected)
{
    const struct connection_limits *limits = &server->limits;
    struct http_parser_limits parser_limits = { limits->max_head_bytes, limits->max_headers, HTTP_TARGET_MAX,
                                                limits->max_body };
    struct timeval write_stall = { limits->idle_timeout_ms / 1000, (limits->idle_timeout_ms % 1000) * 1000 };
    struct connection *connection = calloc(1, sizeof *connection);

    if (connection == NULL) {
        evutil_closesocket(fd);
        return NULL;
    }
    connection->server = server;
    connection->rejected = rejected;
    connection->counted = true;
    if (rejected)
        server->rejecting++;
    else
        server->connections++;
    LIST_INSERT_HEAD(&server->all, connection, link);
    connection->bufferevent = bufferevent_socket_new(server->base, fd, BEV_OPT_CLOSE_ON_FREE);
    if (connection->bufferevent == NULL)
        evutil_closesocket(fd);
    connection->timer = evtimer_new(server->base, connection_timer_callback, connection);
    connection->headers = calloc(limits->max_headers ? limits->max_headers : 1, sizeof *connection->headers);
    connection->exchange.connection = connection;
    connection->exchange.method = METHOD_OTHER;
    connection->exchange.body = evbuffer_new();
    connection->exchange.output = evbuffer_new();
    buffer_init(&connection->exchange.head, limits->max_head_bytes);
    buffer_init(&connection->exchange.extra_headers, RESPONSE_HEAD_MAX / 2);
    buffer_init(&connection->response_head, RESPONSE_HEAD_MAX);
    if (connection->bufferevent == NULL || connection->timer == NULL || connection->headers == NULL ||
        connection->exchange.body == NULL || connection->exchange.output == NULL) {
        connection_free(connection);
        return NULL;
    }
    http_parser_init(&connection->parser, &parser_limits, connection->headers);
    bufferevent_setcb(connection->bufferevent, connection_read_callback, connection_write_callback,
                      connection_event_callback, connection);
    bufferevent_setwatermark(connection->bufferevent, EV_READ, 0, connection_read_high_water(limits));
    if (limits->idle_timeout_ms > 0)
        bufferevent_set_timeouts(connection->bufferevent, NULL, &write_stall);
    bufferevent_enable(connection->bufferevent, EV_READ | EV_WRITE);
    return connection;
}

static void server_accept(struct evconnlistener *listener, evutil_socket_t fd, struct sockaddr *address,
                          int address_length, void *arg)
{
    struct connection_server *server = arg;
    struct connection *connection;
    (void)listener;
    (void)address;
    (void)address_length;

    if (server->connections < server->limits.max_connections) {
        connection = connection_new(server, fd, false);
        if (connection != NULL)
            connection_arm(connection, TIMER_IDLE);
        return;
    }
    if (server->rejecting >= REJECTING_MAX) {
        evutil_closesocket(fd);
        return;
    }
    connection = connection_new(server, fd, true);
    if (connection != NULL)
        connection_fail(connection, 503, "too many open connections; try again later");
}

static void server_set_accepting(struct connection_server *server, bool accepting)
{
    for (int i = 0; i < server->listener_count; i++) {
        if (accepting)
            evconnlistener_enable(server->listeners[i]);
        else
            evconnlistener_disable(server->listeners[i]);
    }
}

static void server_accept_resume(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    server_set_accepting(arg, true);
}

/* accept() failed for a reason other than a vanished client: out of file
 * descriptors, usually.  The listening socket stays readable, so pause
 * instead of spinning. */
static void server_accept_error(struct evconnlistener *listener, void *arg)
{
    struct connection_server *server = arg;
    struct timeval pause = { 0, ACCEPT_PAUSE_MS * 1000 };
    int error = EVUTIL_SOCKET_ERROR();
    (void)listener;

    log_write(LOG_WARNING, "accept failed: %s; pausing new connections for %d ms", strerror(error),
              ACCEPT_PAUSE_MS);
    server_set_accepting(server, false);
    evtimer_add(server->accept_resume, &pause);
}

struct connection_server *connection_server_new(struct event_base *base, const struct connection_limits *limits,
                                                connection_handler handler, void *arg)
{
    struct connection_server *server = calloc(1, sizeof *server);
    if (server == NULL)
        return NULL;
    server->base = base;
    server->limits = *limits;
    server->handler = handler;
    server->handler_arg = arg;
    server->date_second = (time_t)-1;
    LIST_INIT(&server->all);
    server->accept_resume = evtimer_new(base, server_accept_resume, server);
    if (server->accept_resume == NULL) {
        free(server);
        return NULL;
    }
    return server;
}

enum error_code connection_server_listen(struct connection_server *server, int listening_fd, struct error *err)
{
    struct evconnlistener *listener;
    if (server->stopped)
        return error_set(err, ERR_INTERNAL, "the server has stopped accepting");
    if (server->listener_count >= LISTENERS_MAX)
        return error_set(err, ERR_INTERNAL, "more than %d listening sockets", LISTENERS_MAX);
    if (evutil_make_socket_nonblocking(listening_fd) != 0)
        return error_set(err, ERR_IO, "cannot make socket %d non-blocking: %s", listening_fd, strerror(errno));
    /* Backlog 0: the socket is already listening. */
    listener = evconnlistener_new(server->base, server_accept, server, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC,
                                  0, listening_fd);
    if (listener == NULL)
        return error_set(err, ERR_IO, "cannot accept on socket %d", listening_fd);
    evconnlistener_set_error_cb(listener, server_accept_error);
    server->listeners[server->listener_count++] = listener;
    return OK;
}

void connection_server_stop_accepting(struct connection_server *server)
{
    struct connection *connection, *next;

    for (int i = 0; i < server->listener_count; i++)
        evconnlistener_free(server->listeners[i]);
    server->listener_count = 0;
    evtimer_del(server->accept_resume);
    server->stopped = true;
    for (connection = LIST_FIRST(&server->all); connection != NULL; connection = next) {
        next = LIST_NEXT(connection, link);
        if (connection->bufferevent != NULL && connection->state == STATE_HEAD && !connection->processing &&
            evbuffer_get_length(bufferevent_get_input(connection->bufferevent)) == 0)
            connection_process(connection); /* idle: goes CLOSING, lingers once flushed */
    }
}

size_t connection_server_replies_in_flight(const struct connection_server *server)
{
    return server->replies_in_flight;
}

size_t connection_server_requests_unanswered(const struct connection_server *server)
{
    const struct connection *connection;
    size_t count = 0;
    LIST_FOREACH(connection, &server->all, link) /* a walk: called by the drain's poll only */
        if (connection->state == STATE_BODY || connection->state == STATE_HANDLER ||
            (connection->state == STATE_HEAD && connection->request_started))
            count++;
    return count;
}

size_t connection_server_connections(const struct connection_server *server)
{
    return server->connections;
}

void connection_server_free(struct connection_server *server)
{
    if (server == NULL)
        return;
    for (int i = 0; i < server->listener_count; i++)
        evconnlistener_free(server->listeners[i]);
    while (!LIST_EMPTY(&server->all))
        connection_free(LIST_FIRST(&server->all));
    event_free(server->accept_resume);
    free(server);
}

/* ---- exchange --------------------------------------------------------- */

enum http_method http_exchange_method(const struct http_exchange *exchange)
{
    return exchange->method;
}

const char *http_exchange_target(const struct http_exchange *exchange)
{
    return exchange->head.data + exchange->connection->parser.target.offset;
}

const char *http_exchange_header(const struct http_exchange *exchange, const char *name)
{
    const struct http_parser *parser = &exchange->connection->parser;
    for (size_t i = 0; i < parser->header_count; i++)
        if (strcasecmp(exchange->head.data + parser->headers[i].name.offset, name) == 0)
            return exchange->head.data + parser->headers[i].value.offset;
    return NULL;
}

struct evbuffer *http_exchange_body(struct http_exchange *exchange)
{
    return exchange->body;
}

struct evbuffer *http_exchange_output(struct http_exchange *exchange)
{
    return exchange->output;
}

void http_exchange_add_header(struct http_exchange *exchange, const char *name, const char *value)
{
    struct buffer *extra = &exchange->extra_headers;
    size_t needed = strlen(name) + strlen(value) + 4;

    if (!header_is_safe(name, value)) {
        log_write(LOG_WARNING, "dropped a response header with an invalid name or control characters");
        return;
    }
    if (strcasecmp(name, "Content-Length") == 0 || strcasecmp(name, "Transfer-Encoding") == 0)
        return;
    if (strcasecmp(name, "Connection") == 0) {
        if (value_has_token(value, "close"))
            exchange->close_requested = true;
        return;
    }
    if (extra->length + needed > extra->max) {
        log_write(LOG_WARNING, "dropped response header %s: the headers are over %zu bytes", name, extra->max);
        return;
    }
    if (strcasecmp(name, "Content-Type") == 0)
        exchange->has_content_type = true;
    head_append_line(extra, name, value);
}

void http_exchange_respond(struct http_exchange *exchange, int status, const char *content_type)
{
    struct connection *connection = exchange->connection;
    bool closing;

    if (connection->bufferevent == NULL) { /* the client is gone */
        connection_free(connection);
        return;
    }
    if (status < 200 || status > 599)
        status = 500;
    /* After a half-close the requests still buffered are served; the
     * connection closes when they run out (connection_read_head). */
    closing = !exchange->keep_alive || exchange->close_requested || connection->server->stopped;
    closing = connection_write_response(connection, status, content_type, closing);
    exchange_release(exchange);
    connection->state = closing ? STATE_CLOSING : STATE_HEAD;
    connection_process(connection);
}
