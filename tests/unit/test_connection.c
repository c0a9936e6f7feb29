/*
 * connection: the HTTP server on a real event loop over 127.0.0.1.
 *
 * The server runs in a thread of its own (it alone touches the event base);
 * the test talks to it through blocking sockets, like any client, and sends
 * it commands (stop accepting, quit) over a pipe.  Counters the handler keeps
 * are read only after the server thread has ended.
 */
#define _GNU_SOURCE /* memmem, strcasestr */
#include <check.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <jansson.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "connection.h"
#include "log.h"

#define SLOW_MS 200

struct fixture {
    struct event_base *base;
    struct connection_server *server;
    struct event *control;
    int control_pipe[2];
    int port;
    pthread_t thread;
    /* Written by the server thread, read after it ends. */
    int handler_calls;
    int slow_answered;
    size_t replies_in_flight_at_quit;
    size_t connections_at_quit;
    size_t unanswered_at_stop;     /* requests_unanswered right after stop_accepting */
};

static struct fixture fixture;

/* ---- the server side -------------------------------------------------- */

static void slow_answer(evutil_socket_t fd, short what, void *arg)
{
    struct http_exchange *exchange = arg;
    (void)fd;
    (void)what;
    fixture.slow_answered++;
    evbuffer_add_printf(http_exchange_output(exchange), "late");
    http_exchange_respond(exchange, 200, "text/plain");
}

static void handle(struct http_exchange *exchange, void *arg)
{
    const char *target = http_exchange_target(exchange);
    struct evbuffer *output = http_exchange_output(exchange);
    struct timeval slow = { 0, SLOW_MS * 1000 };
    (void)arg;

    fixture.handler_calls++;
    if (strcmp(target, "/slow") == 0) {
        event_base_once(fixture.base, -1, EV_TIMEOUT, slow_answer, exchange, &slow);
        return;
    }
    if (strcmp(target, "/echo") == 0) {
        const char *type = http_exchange_header(exchange, "content-type");
        evbuffer_add_buffer(output, http_exchange_body(exchange));
        http_exchange_respond(exchange, 200, type ? type : "application/octet-stream");
        return;
    }
    if (strcmp(target, "/headers") == 0) {
        const char *value = http_exchange_header(exchange, "X-Value");
        evbuffer_add_printf(output, "[%s]", value ? value : "(none)");
        http_exchange_add_header(exchange, "X-Ok", "yes");
        http_exchange_add_header(exchange, "X-Bad", "a\r\nInjected: 1");
        http_exchange_add_header(exchange, "Bad Name", "x");
        http_exchange_add_header(exchange, "Content-Length", "999");
        http_exchange_add_header(exchange, "Content-Type", "text/x-mine");
        http_exchange_respond(exchange, 201, "text/plain");
        return;
    }
    if (strcmp(target, "/close") == 0) {
        http_exchange_add_header(exchange, "Connection", "close");
        http_exchange_respond(exchange, 200, NULL);
        return;
    }
    if (strcmp(target, "/hello") == 0) {
        evbuffer_add_printf(output, "hello");
        http_exchange_respond(exchange, 200, "text/plain");
        return;
    }
    /* Anything else answers with its own target, for ordering checks. */
    evbuffer_add_printf(output, "%s", target);
    http_exchange_respond(exchange, 200, "text/plain");
}

static void control(evutil_socket_t fd, short what, void *arg)
{
    char command;
    (void)what;
    (void)arg;
    if (read(fd, &command, 1) != 1)
        return;
    if (command == 's') {
        connection_server_stop_accepting(fixture.server);
        fixture.unanswered_at_stop = connection_server_requests_unanswered(fixture.server);
        return;
    }
    fixture.replies_in_flight_at_quit = connection_server_replies_in_flight(fixture.server);
    fixture.connections_at_quit = connection_server_connections(fixture.server);
    event_base_loopbreak(fixture.base);
}

static void *server_thread(void *arg)
{
    (void)arg;
    event_base_dispatch(fixture.base);
    return NULL;
}

static void start_with(const struct connection_limits *limits)
{
    struct sockaddr_in address = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t length = sizeof address;
    struct error err;
    int one = 1;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

    signal(SIGPIPE, SIG_IGN);
    memset(&fixture, 0, sizeof fixture);
    ck_assert_int_ge(fd, 0);
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&address, sizeof address), 0);
    ck_assert_int_eq(listen(fd, 64), 0);
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&address, &length), 0);
    fixture.port = ntohs(address.sin_port);
    fixture.base = event_base_new();
    fixture.server = connection_server_new(fixture.base, limits, handle, NULL);
    ck_assert_ptr_nonnull(fixture.server);
    ck_assert_int_eq(connection_server_listen(fixture.server, fd, &err), OK);
    ck_assert_int_eq(pipe(fixture.control_pipe), 0);
    fixture.control = event_new(fixture.base, fixture.control_pipe[0], EV_READ | EV_PERSIST, control, NULL);
    event_add(fixture.control, NULL);
    ck_assert_int_eq(pthread_create(&fixture.thread, NULL, server_thread, NULL), 0);
}

static void start(void)
{
    struct connection_limits limits;
    connection_limits_default(&limits);
    limits.max_body = 1000;
    start_with(&limits);
}

static void command(char what)
{
    ck_assert_int_eq(write(fixture.control_pipe[1], &what, 1), 1);
}

/* Ends the server thread and frees everything. */
static void stop(void)
{
    command('q');
    pthread_join(fixture.thread, NULL);
    connection_server_free(fixture.server);
    event_free(fixture.control);
    event_base_free(fixture.base);
    close(fixture.control_pipe[0]);
    close(fixture.control_pipe[1]);
}

static void sleep_ms(int ms)
{
    struct timespec delay = { ms / 1000, (long)(ms % 1000) * 1000000L };
    nanosleep(&delay, NULL);
}

/* ---- the client side -------------------------------------------------- */

struct client {
    int fd;
    char buffer[1 << 16];
    size_t length;
};

struct response {
    int status;
    char head[4096];   /* status line and headers */
    char body[8192];
    size_t body_length;
};

static void client_open(struct client *client)
{
    struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons((unsigned short)fixture.port),
                                   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    struct timeval timeout = { 3, 0 };
    client->length = 0;
    client->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ck_assert_int_ge(client->fd, 0);
    setsockopt(client->fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    ck_assert_int_eq(connect(client->fd, (struct sockaddr *)&address, sizeof address), 0);
}

static void client_send(struct client *client, const char *data, size_t length)
{
    while (length > 0) {
        ssize_t sent = send(client->fd, data, length, MSG_NOSIGNAL);
        ck_assert_int_gt(sent, 0);
        data += sent;
        length -= (size_t)sent;
    }
}

static void client_say(struct client *client, const char *text)
{
    client_send(client, text, strlen(text));
}

/* Reads more into the buffer; false at EOF. */
static bool client_fill(struct client *client)
{
    ssize_t got = recv(client->fd, client->buffer + client->length, sizeof client->buffer - client->length, 0);
    ck_assert_msg(got >= 0, "recv: %s", strerror(errno));
    client->length += (size_t)got;
    return got > 0;
}

static size_t header_number(const char *head, const char *name)
{
    const char *found = strcasestr(head, name);
    return found ? (size_t)strtoul(found + strlen(name), NULL, 10) : 0;
}

/* Reads one response; a HEAD answer has no body whatever it says. */
static void client_read(struct client *client, struct response *response, bool head_request)
{
    char *end;
    size_t head_length;

    while ((end = memmem(client->buffer, client->length, "\r\n\r\n", 4)) == NULL)
        ck_assert_msg(client_fill(client), "connection closed before a response");
    head_length = (size_t)(end - client->buffer) + 4;
    ck_assert_uint_lt(head_length, sizeof response->head);
    memcpy(response->head, client->buffer, head_length);
    response->head[head_length] = '\0';
    ck_assert_int_eq(sscanf(response->head, "HTTP/1.1 %d ", &response->status), 1);
    response->body_length = head_request ? 0 : header_number(response->head, "\r\nContent-Length: ");
    ck_assert_uint_lt(response->body_length, sizeof response->body);
    while (client->length < head_length + response->body_length)
        ck_assert_msg(client_fill(client), "connection closed inside a body");
    memcpy(response->body, client->buffer + head_length, response->body_length);
    response->body[response->body_length] = '\0';
    client->length -= head_length + response->body_length;
    memmove(client->buffer, client->buffer + head_length + response->body_length, client->length);
}

/* True when the server closes the connection (nothing more arrives). */
static bool client_sees_eof(struct client *client)
{
    char byte;
    return client->length == 0 && recv(client->fd, &byte, 1, 0) == 0;
}

static void client_close(struct client *client)
{
    close(client->fd);
}

static void assert_json_error(const struct response *response, int status, const char *name)
{
    json_t *body = json_loads(response->body, 0, NULL);
    ck_assert_int_eq(response->status, status);
    ck_assert_ptr_nonnull(strstr(response->head, "\r\nContent-Type: application/json\r\n"));
    ck_assert_ptr_nonnull(strstr(response->head, "\r\nConnection: close\r\n"));
    ck_assert_msg(body != NULL, "not JSON: %s", response->body);
    ck_assert_str_eq(json_string_value(json_object_get(body, "error")), name);
    ck_assert(json_string_length(json_object_get(body, "error-message")) > 0);
    json_decref(body);
}

/* ---- tests ------------------------------------------------------------ */

START_TEST(keep_alive)
{
    struct client client;
    struct response response;
    start();
    client_open(&client);
    for (int i = 0; i < 3; i++) {
        client_say(&client, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Type: text/csv\r\nContent-Length: 3\r\n\r\n1,2");
        client_read(&client, &response, false);
        ck_assert_int_eq(response.status, 200);
        ck_assert_str_eq(response.body, "1,2");
        ck_assert_ptr_nonnull(strstr(response.head, "\r\nContent-Type: text/csv\r\n"));
        ck_assert_ptr_nonnull(strstr(response.head, "\r\nDate: "));
        ck_assert_ptr_null(strstr(response.head, "Connection:"));
    }
    client_close(&client);
    stop();
    ck_assert_int_eq(fixture.handler_calls, 3);
}
END_TEST

START_TEST(http10_closes_unless_keep_alive)
{
    struct client client;
    struct response response;
    start();
    client_open(&client);
    client_say(&client, "GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    client_read(&client, &response, false);
    ck_assert_ptr_nonnull(strstr(response.head, "\r\nConnection: keep-alive\r\n"));
    client_say(&client, "GET /b HTTP/1.0\r\n\r\n");
    client_read(&client, &response, false);
    ck_assert_str_eq(response.body, "/b");
    ck_assert_ptr_nonnull(strstr(response.head, "\r\nConnection: close\r\n"));
    ck_assert(client_sees_eof(&client));
    client_close(&client);
    stop();
}
END_TEST

START_TEST(pipelined_in_order)
{
    struct client client;
    struct response response;
    start();
    client_open(&client);
    /* The first is answered late; the others must still come after it. */
    client_say(&client, "GET /slow HTTP/1.1\r\n\r\nGET /two HTTP/1.1\r\n\r\n"
                        "POST /echo HTTP/1.1\r\nContent-Length: 5\r\n\r\nthreeGET /four HTTP/1.1\r\n\r\n");
    client_read(&client, &response, false);
    ck_assert_str_eq(response.body, "late");
    client_read(&client, &response, false);
    ck_assert_str_eq(response.body, "/two");
    client_read(&client, &response, false);
    ck_assert_str_eq(response.body, "three");
    client_read(&client, &response, false);
    ck_assert_str_eq(response.body, "/four");
    client_close(&client);
    stop();
    ck_assert_int_eq(fixture.handler_calls, 4);
}
END_TEST

START_TEST(half_close_still_answered)
{
    struct client client;
    struct response response;
    start();
    client_open(&client);
    client_say(&client, "GET /slow HTTP/1.1\r\n\r\nGET /after HTTP/1.1\r\n\r\n");
    shutdown(client.fd, SHUT_WR);
    client_read(&client, &response, false);
    ck_assert_str_eq(response.body, "late");
    client_read(&client, &response, false);
    ck_assert_str_eq(response.body, "/after");
    ck_assert(client_sees_eof(&client));
    client_close(&client);
    stop();
}
END_TEST

START_TEST(expect_continue)
{
    struct client client;
    struct response response;
    const char interim[] = "HTTP/1.1 100 Continue\r\n\r\n";
    start();
    client_open(&client);
    client_say(&client, "POST /echo HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
    while (client.length < sizeof interim - 1)
        ck_assert(client_fill(&client));
    ck_assert(memcmp(client.buffer, interim, sizeof interim - 1) == 0);
    client.length -= sizeof interim - 1;
    memmove(client.buffer, client.buffer + sizeof interim - 1, client.length);
    client_say(&client, "body");
    client_read(&client, &response, false);
    ck_assert_int_eq(response.status, 200);
    ck_assert_str_eq(response.body, "body");
    /* Refused up front: 413, no 100, body never invited. */
    client_say(&client, "POST /echo HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 5000\r\n\r\n");
    client_read(&client, &response, false);
    assert_json_error(&response, 413, "PayloadTooLarge");
    client_close(&client);
    stop();
}
END_TEST

START_TEST(chunked_body)
{
    struct client client;
    struct response response;
    start();
    client_open(&client);
    client_say(&client, "POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n");
    sleep_ms(20);
    client_say(&client, "6\r\n world\r\n0\r\nTrailer: 1\r\n\r\nGET /next HTTP/1.1\r\n\r\n");
    client_read(&client, &response, false);
    ck_assert_int_eq(response.status, 200);
    ck_assert_str_eq(response.body, "hello world");
    client_read(&client, &response, false);
    ck_assert_str_eq(response.body, "/next");
    /* Malformed chunk: 400 and closed. */
    client_say(&client, "POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
    client_read(&client, &response, false);
    assert_json_error(&response, 400, "BadRequest");
    ck_assert(client_sees_eof(&client));
    client_close(&client);
    /* Over the limit as it streams: 413. */
    client_open(&client);
    client_say(&client, "POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3e8\r\n");
    for (int i = 0; i < 10; i++)
        client_say(&client, "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789");
    client_say(&client, "\r\n1\r\n");
    client_read(&client, &response, false);
    assert_json_error(&response, 413, "PayloadTooLarge");
    client_close(&client);
    stop();
    ck_assert_int_eq(fixture.handler_calls, 2);
}
END_TEST

START_TEST(too_large_is_answered_not_read)
{
    struct client client;
    struct response response;
    static char body[4 * 1024 * 1024]; /* more than the socket buffers hold */
    start();
    /* Declared too large: answered at once, before any body byte is sent. */
    client_open(&client);
    client_say(&client, "POST /echo HTTP/1.1\r\nContent-Length: 10000000000\r\n\r\n");
    client_read(&client, &response, false);
    assert_json_error(&response, 413, "PayloadTooLarge");
    ck_assert(client_sees_eof(&client));
    client_close(&client);
    /* A client that sends its body anyway still gets the 413, not a reset:
     * the server discards what it sends while it lingers. */
    memset(body, 'x', sizeof body);
    client_open(&client);
    client_say(&client, "POST /echo HTTP/1.1\r\nContent-Length: 4194304\r\n\r\n");
    client_send(&client, body, sizeof body);
    client_read(&client, &response, false);
    assert_json_error(&response, 413, "PayloadTooLarge");
    client_close(&client);
    stop();
    ck_assert_int_eq(fixture.handler_calls, 0);
}
END_TEST

START_TEST(head_limits_431)
{
    struct client client;
    struct response response;
    char *big = malloc(70 * 1024);
    start();
    client_open(&client);
    client_say(&client, "GET /a HTTP/1.1\r\n");
    for (int i = 0; i <= 100; i++) {
        char line[32];
        snprintf(line, sizeof line, "X-%d: %d\r\n", i, i);
        client_say(&client, line);
    }
    client_say(&client, "\r\n");
    client_read(&client, &response, false);
    assert_json_error(&response, 431, "RequestHeaderFieldsTooLarge");
    client_close(&client);

    client_open(&client);
    memset(big, 'v', 70 * 1024);
    memcpy(big, "GET /a HTTP/1.1\r\nBig: ", 22);
    client_send(&client, big, 70 * 1024);
    client_read(&client, &response, false);
    assert_json_error(&response, 431, "RequestHeaderFieldsTooLarge");
    client_close(&client);

    client_open(&client);
    memset(big, 'u', 70 * 1024);
    memcpy(big, "GET /", 5);
    client_send(&client, big, 20 * 1024);
    client_read(&client, &response, false);
    assert_json_error(&response, 414, "URITooLong");
    client_close(&client);
    free(big);
    stop();
    ck_assert_int_eq(fixture.handler_calls, 0);
}
END_TEST

START_TEST(bad_requests_400)
{
    static const char *const requests[] = {
        "POST /echo HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "POST /echo HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
        "POST /echo HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
        "GET /a HTTP/1.1\r\nX: a\0b\r\n\r\n",
        "GET /a HTTP/1.1\r\nX: a\r\n folded\r\n\r\n",
        "GET /a HTTP/2.0\r\n\r\n",
        "BLAH\r\n\r\n",
    };
    static const size_t lengths[] = { 0, 0, 0, 27, 0, 0, 0 };
    struct client client;
    struct response response;
    start();
    for (size_t i = 0; i < sizeof requests / sizeof requests[0]; i++) {
        client_open(&client);
        client_send(&client, requests[i], lengths[i] ? lengths[i] : strlen(requests[i]));
        client_read(&client, &response, false);
        assert_json_error(&response, 400, "BadRequest");
        ck_assert(client_sees_eof(&client));
        client_close(&client);
    }
    stop();
    ck_assert_int_eq(fixture.handler_calls, 0);
}
END_TEST

START_TEST(head_has_no_body)
{
    struct client client;
    struct response response;
    start();
    client_open(&client);
    client_say(&client, "HEAD /hello HTTP/1.1\r\n\r\n");
    client_read(&client, &response, true);
    ck_assert_int_eq(response.status, 200);
    ck_assert_uint_eq(header_number(response.head, "\r\nContent-Length: "), 5);
    /* Had a body been sent, it would be read here as the next response. */
    client_say(&client, "GET /hello HTTP/1.1\r\n\r\n");
    client_read(&client, &response, false);
    ck_assert_int_eq(response.status, 200);
    ck_assert_str_eq(response.body, "hello");
    client_close(&client);
    stop();
}
END_TEST

START_TEST(handler_headers)
{
    struct client client;
    struct response response;
    start();
    client_open(&client);
    client_say(&client, "GET /headers HTTP/1.1\r\nx-value:  spaced out \t\r\n\r\n");
    client_read(&client, &response, false);
    ck_assert_int_eq(response.status, 201);
    ck_assert_str_eq(response.body, "[spaced out]");
    ck_assert_ptr_nonnull(strstr(response.head, "\r\nX-Ok: yes\r\n"));
    ck_assert_ptr_nonnull(strstr(response.head, "\r\nContent-Type: text/x-mine\r\n"));
    ck_assert_ptr_null(strstr(response.head, "Injected"));
    ck_assert_ptr_null(strstr(response.head, "Bad Name"));
    ck_assert_ptr_null(strstr(response.head, "999"));
    ck_assert_ptr_null(strstr(response.head, "text/plain"));
    client_say(&client, "GET /close HTTP/1.1\r\n\r\n");
    client_read(&client, &response, false);
    ck_assert_ptr_nonnull(strstr(response.head, "\r\nConnection: close\r\n"));
    ck_assert(client_sees_eof(&client));
    client_close(&client);
    stop();
}
END_TEST

START_TEST(client_hangs_up_during_handling)
{
    struct client client;
    start();
    client_open(&client);
    client_say(&client, "GET /slow HTTP/1.1\r\n\r\n");
    sleep_ms(20);
    /* A reset, not a half-close: SO_LINGER 0. */
    {
        struct linger hard = { 1, 0 };
        setsockopt(client.fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
    }
    client_close(&client);
    sleep_ms(SLOW_MS + 200);
    stop();
    ck_assert_int_eq(fixture.slow_answered, 1);
    ck_assert_uint_eq(fixture.replies_in_flight_at_quit, 0);
    ck_assert_uint_eq(fixture.connections_at_quit, 0);
}
END_TEST

START_TEST(request_deadline_408)
{
    struct connection_limits limits;
    struct client client;
    struct response response;
    connection_limits_default(&limits);
    limits.request_timeout_ms = 200;
    start_with(&limits);
    client_open(&client);
    client_say(&client, "GET /a HTTP/1.1\r\nHo");
    sleep_ms(100);
    client_say(&client, "st: x\r\n"); /* trickling does not extend the deadline */
    client_read(&client, &response, false);
    assert_json_error(&response, 408, "RequestTimeout");
    ck_assert(client_sees_eof(&client));
    client_close(&client);
    stop();
}
END_TEST

START_TEST(idle_timeout_closes)
{
    struct connection_limits limits;
    struct client client;
    struct response response;
    struct timespec before, after;
    connection_limits_default(&limits);
    limits.idle_timeout_ms = 200;
    start_with(&limits);
    client_open(&client);
    client_say(&client, "GET /a HTTP/1.1\r\n\r\n");
    client_read(&client, &response, false);
    clock_gettime(CLOCK_MONOTONIC, &before);
    ck_assert(client_sees_eof(&client));
    clock_gettime(CLOCK_MONOTONIC, &after);
    ck_assert_int_lt(after.tv_sec - before.tv_sec, 2);
    client_close(&client);
    stop();
    ck_assert_uint_eq(fixture.connections_at_quit, 0);
}
END_TEST

START_TEST(connection_cap_503)
{
    struct connection_limits limits;
    struct client first, second;
    struct response response;
    connection_limits_default(&limits);
    limits.max_connections = 1;
    start_with(&limits);
    client_open(&first);
    client_say(&first, "GET /a HTTP/1.1\r\n\r\n");
    client_read(&first, &response, false);
    client_open(&second);
    client_say(&second, "GET /b HTTP/1.1\r\n\r\n");
    client_read(&second, &response, false);
    assert_json_error(&response, 503, "ServiceUnavailable");
    ck_assert(client_sees_eof(&second));
    client_close(&second);
    client_say(&first, "GET /c HTTP/1.1\r\n\r\n");
    client_read(&first, &response, false);
    ck_assert_str_eq(response.body, "/c");
    client_close(&first);
    stop();
}
END_TEST

START_TEST(stop_accepting_drains)
{
    struct client idle, busy, late;
    struct response response;
    struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons((unsigned short)0),
                                   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    start();
    address.sin_port = htons((unsigned short)fixture.port);
    client_open(&idle);
    client_say(&idle, "GET /a HTTP/1.1\r\n\r\n");
    client_read(&idle, &response, false);
    client_open(&busy);
    client_say(&busy, "GET /slow HTTP/1.1\r\n\r\n");
    sleep_ms(20);
    command('s');
    ck_assert(client_sees_eof(&idle));
    client_read(&busy, &response, false);
    ck_assert_str_eq(response.body, "late");
    ck_assert_ptr_nonnull(strstr(response.head, "\r\nConnection: close\r\n"));
    ck_assert(client_sees_eof(&busy));
    late.fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ck_assert_int_ne(connect(late.fd, (struct sockaddr *)&address, sizeof address), 0);
    client_close(&late);
    client_close(&idle);
    client_close(&busy);
    stop();
    ck_assert_uint_eq(fixture.unanswered_at_stop, 1); /* the slow one */
    ck_assert_uint_eq(fixture.replies_in_flight_at_quit, 0);
}
END_TEST

static Suite *connection_suite(void)
{
    Suite *suite = suite_create("connection");
    TCase *protocol = tcase_create("protocol");
    TCase *limits = tcase_create("limits");
    TCase *lifecycle = tcase_create("lifecycle");
    tcase_set_timeout(protocol, 30);
    tcase_set_timeout(limits, 30);
    tcase_set_timeout(lifecycle, 30);
    tcase_add_test(protocol, keep_alive);
    tcase_add_test(protocol, http10_closes_unless_keep_alive);
    tcase_add_test(protocol, pipelined_in_order);
    tcase_add_test(protocol, half_close_still_answered);
    tcase_add_test(protocol, expect_continue);
    tcase_add_test(protocol, chunked_body);
    tcase_add_test(protocol, head_has_no_body);
    tcase_add_test(protocol, handler_headers);
    tcase_add_test(limits, too_large_is_answered_not_read);
    tcase_add_test(limits, head_limits_431);
    tcase_add_test(limits, bad_requests_400);
    tcase_add_test(limits, request_deadline_408);
    tcase_add_test(limits, idle_timeout_closes);
    tcase_add_test(limits, connection_cap_503);
    tcase_add_test(lifecycle, client_hangs_up_during_handling);
    tcase_add_test(lifecycle, stop_accepting_drains);
    suite_add_tcase(suite, protocol);
    suite_add_tcase(suite, limits);
    suite_add_tcase(suite, lifecycle);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(connection_suite());
    int failed;
    log_setup(LOG_ERROR, "test"); /* the dropped-header warnings are expected */
    srunner_run_all(runner, CK_NORMAL);
    failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
