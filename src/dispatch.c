/*
 * dispatch: the life of one /invocations request inside the master.
 *
 *   submit -> (idle worker ? send : queue, or 503 when the queue is full)
 *   worker frame -> reply; deadline -> 504 and the worker is killed;
 *   worker lost -> 500.
 *
 * An invocation is freed in exactly one place, invocation_finish(), after
 * its one reply, which also writes the access log line.
 */
#include "dispatch.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "connection.h"
#include "http.h"
#include "log.h"
#include "socket_send.h"
#include "supervisor.h"

/* How far the body file may exceed twice the current body before it shrinks. */
#define DISPATCH_BODY_FILE_SLACK ((size_t)1 << 20)
/* evbuffer pieces per pwritev (IOV_MAX is 1024 on Linux). */
#define DISPATCH_WRITE_PIECES 64

struct invocation {
    struct dispatch *dispatch;
    struct http_exchange *exchange;
    const char *content_type;          /* header values, owned by exchange */
    const char *accept;
    struct worker *worker;             /* set while a worker serves it */
    struct event *deadline;
    struct timespec started;
    size_t bytes_in;
    TAILQ_ENTRY(invocation) queue_link;
    bool queued;
};

TAILQ_HEAD(invocation_queue, invocation);

struct dispatch {
    const struct config *config;
    struct event_base *base;
    struct supervisor *supervisor;
    struct http_server *http;
    struct invocation_queue queue;
    size_t queued;
    size_t in_flight;
};

struct dispatch *dispatch_new(const struct config *config, struct event_base *base,
                              struct supervisor *supervisor, struct http_server *http)
{
    struct dispatch *dispatch = calloc(1, sizeof *dispatch);
    if (dispatch == NULL)
        return NULL;
    dispatch->config = config;
    dispatch->base = base;
    dispatch->supervisor = supervisor;
    dispatch->http = http;
    TAILQ_INIT(&dispatch->queue);
    return dispatch;
}

static double elapsed_ms(const struct timespec *since)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - since->tv_sec) * 1e3 + (double)(now.tv_nsec - since->tv_nsec) / 1e6;
}

static void invocation_unqueue(struct invocation *invocation)
{
    if (invocation->queued) {
        TAILQ_REMOVE(&invocation->dispatch->queue, invocation, queue_link);
        invocation->queued = false;
        invocation->dispatch->queued--;
    }
}

/* The one exit of an invocation: logs the access line and frees it.  The
 * reply itself has been handed to the connection layer just before. */
static void invocation_finish(struct invocation *invocation, int status, size_t bytes_out)
{
    struct dispatch *dispatch = invocation->dispatch;

    invocation_unqueue(invocation);
    if (invocation->worker != NULL) {
        invocation->worker->invocation = NULL;
        invocation->worker = NULL;
    }
    log_write(LOG_INFO, "POST /invocations %d in=%zu out=%zu ms=%.2f", status, invocation->bytes_in,
              bytes_out, elapsed_ms(&invocation->started));
    event_free(invocation->deadline);
    dispatch->in_flight--;
    free(invocation);
}

static void invocation_fail(struct invocation *invocation, enum error_code code, const char *message)
{
    int status = error_http_status(code);
    size_t sent = http_send_error(invocation->dispatch->http, invocation->exchange, status, error_name(code),
                                  message, NULL, NULL);
    invocation_finish(invocation, status, sent);
}

/* Writes the whole body into the worker's body file at offset 0, shrinking
 * the file when it holds far more than this body needs.  Returns 0, or -1
 * when the file cannot take it (then the body goes over the channel). */
static int body_file_write(struct worker *worker, struct evbuffer *body, size_t length)
{
    struct evbuffer_iovec pieces[DISPATCH_WRITE_PIECES];
    struct iovec vectors[DISPATCH_WRITE_PIECES];
    struct evbuffer_ptr at;
    size_t written = 0;

    evbuffer_ptr_set(body, &at, 0, EVBUFFER_PTR_SET);
    while (written < length) {
        int count = evbuffer_peek(body, (ev_ssize_t)(length - written), &at, pieces, DISPATCH_WRITE_PIECES);
        ssize_t put;
        if (count > DISPATCH_WRITE_PIECES)
            count = DISPATCH_WRITE_PIECES;
        for (int i = 0; i < count; i++) {
            vectors[i].iov_base = pieces[i].iov_base;
            vectors[i].iov_len = pieces[i].iov_len;
        }
        put = pwritev(worker->body_file, vectors, count, (off_t)written);
        if (put < 0 && errno == EINTR)
            continue;
        if (put <= 0)
            return -1;
        written += (size_t)put;
        if (evbuffer_ptr_set(body, &at, written, EVBUFFER_PTR_SET) != 0)
            return -1;
    }
    /* pwritev never shrinks the file: without this it would keep the pages
     * of the largest body ever sent for the life of the worker. */
    if (worker->body_file_size < length) {
        worker->body_file_size = length;
    } else if (worker->body_file_size > 2 * length + DISPATCH_BODY_FILE_SLACK) {
        if (ftruncate(worker->body_file, (off_t)length) == 0)
            worker->body_file_size = length;
    }
    return 0;
}

static void invocation_send(struct invocation *invocation, struct worker *worker)
{
    struct evbuffer *body = http_exchange_body(invocation->exchange);
    struct evbuffer *channel = bufferevent_get_output(supervisor_channel(worker));
    const char *content_type = invocation->content_type ? invocation->content_type : "";
    const char *accept = invocation->accept ? invocation->accept : "";
    size_t body_length = evbuffer_get_length(body);
    uint64_t lengths[3] = { strlen(content_type), strlen(accept), body_length };
    unsigned char prefix[IPC_PREFIX_MAX];
    uint32_t flags = 0;
    struct iovec frame_head[3];

    if (body_length >= IPC_BODY_FILE_MIN && worker->body_file >= 0 &&
        body_file_write(worker, body, body_length) == 0) {
        flags = IPC_FLAG_BODY_IN_FILE;
        evbuffer_drain(body, body_length);
    }
    frame_head[0] = (struct iovec){ prefix, ipc_prefix_write(prefix, IPC_REQUEST, 0, flags, lengths, 3) };
    frame_head[1] = (struct iovec){ (void *)content_type, (size_t)lengths[0] };
    frame_head[2] = (struct iovec){ (void *)accept, (size_t)lengths[1] };
    invocation->worker = worker;
    worker->invocation = invocation;
    worker->state = WORKER_BUSY;
    /* The body's chains move into the channel's queue, not copied, for
     * whatever the socket does not take at once. */
    socket_send(bufferevent_getfd(supervisor_channel(worker)), frame_head, 3, flags != 0 ? NULL : body, channel);
}

static struct worker *dispatch_idle_worker(struct dispatch *dispatch)
{
    int count = supervisor_worker_count(dispatch->supervisor);
    for (int slot = 0; slot < count; slot++) {
        struct worker *worker = supervisor_worker(dispatch->supervisor, slot);
        if (worker->state == WORKER_IDLE)
            return worker;
    }
    return NULL;
}

static void invocation_deadline(evutil_socket_t fd, short what, void *arg)
{
    struct invocation *invocation = arg;
    struct dispatch *dispatch = invocation->dispatch;
    struct worker *worker = invocation->worker;
    char message[160];
    (void)fd;
    (void)what;

    snprintf(message, sizeof message, "the request did not finish within %d s (SAGEMAKER_MODEL_SERVER_TIMEOUT)",
             dispatch->config->timeout_seconds);
    if (worker != NULL)
        log_write(LOG_ERROR, "worker-%d (pid %d) timed out after %d s; replacing it", worker->index,
                  (int)worker->pid, dispatch->config->timeout_seconds);
    invocation_fail(invocation, ERR_TIMEOUT, message);
    if (worker != NULL)
        supervisor_kill(dispatch->supervisor, worker);
}

void dispatch_submit(struct dispatch *dispatch, struct http_exchange *exchange,
                     const char *content_type, const char *accept)
{
    struct invocation *invocation = calloc(1, sizeof *invocation);
    struct timeval timeout = { dispatch->config->timeout_seconds, 0 };
    struct worker *worker;

    if (invocation == NULL) {
        http_send_error(dispatch->http, exchange, 500, "MemoryError", "out of memory", NULL, NULL);
        return;
    }
    invocation->dispatch = dispatch;
    invocation->exchange = exchange;
    invocation->content_type = content_type;
    invocation->accept = accept;
    invocation->bytes_in = evbuffer_get_length(http_exchange_body(exchange));
    clock_gettime(CLOCK_MONOTONIC, &invocation->started);
    invocation->deadline = evtimer_new(dispatch->base, invocation_deadline, invocation);
    if (invocation->deadline == NULL) {
        free(invocation);
        http_send_error(dispatch->http, exchange, 500, "MemoryError", "out of memory", NULL, NULL);
        return;
    }
    dispatch->in_flight++;
    evtimer_add(invocation->deadline, &timeout);

    worker = dispatch_idle_worker(dispatch);
    if (worker != NULL) {
        invocation_send(invocation, worker);
        return;
    }
    if (supervisor_health(dispatch->supervisor) == HEALTH_FAILED) {
        invocation_fail(invocation, ERR_UNAVAILABLE, "no worker can serve: the model failed to load (see /ping)");
        return;
    }
    if (dispatch->queued >= (size_t)dispatch->config->queue_max) {
        invocation_fail(invocation, ERR_UNAVAILABLE,
                        "every worker is busy and the request queue is full (HOOKHOST_QUEUE_MAX)");
        return;
    }
    TAILQ_INSERT_TAIL(&dispatch->queue, invocation, queue_link);
    invocation->queued = true;
    dispatch->queued++;
}

void dispatch_worker_idle(struct dispatch *dispatch, struct worker *worker)
{
    struct invocation *next = TAILQ_FIRST(&dispatch->queue);

    worker->state = WORKER_IDLE;
    if (next != NULL) {
        invocation_unqueue(next);
        invocation_send(next, worker);
    }
}

/* Appends length bytes from offset 0 of the worker's reply file to output. */
static int reply_file_read(int reply_file, struct evbuffer *output, size_t length)
{
    struct evbuffer_iovec space[2];
    size_t done = 0;
    int count = evbuffer_reserve_space(output, (ev_ssize_t)length, space, 2);

    if (count <= 0)
        return -1;
    for (int i = 0; i < count && done < length; i++) {
        size_t want = space[i].iov_len < length - done ? space[i].iov_len : length - done;
        size_t got = 0;
        while (got < want) {
            ssize_t n = pread(reply_file, (char *)space[i].iov_base + got, want - got, (off_t)(done + got));
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                evbuffer_commit_space(output, space, 0);
                return -1;
            }
            got += (size_t)n;
        }
        space[i].iov_len = want;
        done += want;
    }
    return evbuffer_commit_space(output, space, count) == 0 && done == length ? 0 : -1;
}

static void dispatch_reply(struct dispatch *dispatch, struct invocation *invocation,
                           const struct ipc_prefix *prefix, struct evbuffer *input, int reply_file)
{
    struct http_exchange *exchange = invocation->exchange;
    struct evbuffer *output = http_exchange_output(exchange);
    bool body_in_file = (prefix->flags & IPC_FLAG_BODY_IN_FILE) != 0;
    /* lengths[2] is what the channel carries: nothing when the body is in the file. */
    size_t lengths[3] = { (size_t)prefix->field_length[0], (size_t)prefix->field_length[1],
                          body_in_file ? 0 : (size_t)prefix->field_length[2] };
    char *fields = NULL;
    int status = (int)prefix->status;
    size_t sent;

    evbuffer_drain(input, prefix->prefix_length);
    /* The first two fields are small (type and headers, or name and
     * message); the third is the body (or trace) and moves without a copy. */
    fields = malloc(lengths[0] + lengths[1] + 2);
    if (fields == NULL) {
        evbuffer_drain(input, lengths[0] + lengths[1] + lengths[2]);
        invocation_fail(invocation, ERR_NOMEM, "out of memory");
        return;
    }
    evbuffer_remove(input, fields, lengths[0]);
    fields[lengths[0]] = '\0';
    evbuffer_remove(input, fields + lengths[0] + 1, lengths[1]);
    fields[lengths[0] + 1 + lengths[1]] = '\0';

    /* Only responses carry a body file (ipc_prefix_parse checks). */
    if (body_in_file && (reply_file < 0 || reply_file_read(reply_file, output, (size_t)prefix->field_length[2]) != 0)) {
        free(fields);
        evbuffer_drain(output, evbuffer_get_length(output));
        invocation_fail(invocation, ERR_INTERNAL, "cannot read the worker's reply body");
        return;
    }
    if (prefix->kind == IPC_ERROR) {
        char *trace = malloc(lengths[2] + 1);
        if (trace != NULL) {
            evbuffer_remove(input, trace, lengths[2]);
            trace[lengths[2]] = '\0';
        } else {
            evbuffer_drain(input, lengths[2]);
        }
        if (status < 400 || status > 599)
            status = 500;
        sent = http_send_error(dispatch->http, exchange, status, fields, fields + lengths[0] + 1, trace, NULL);
        free(trace);
    } else {
        const char *name, *value;
        size_t cursor = 0;
        while (ipc_headers_next(fields + lengths[0] + 1, lengths[1], &cursor, &name, &value))
            http_exchange_add_header(exchange, name, value);
        evbuffer_remove_buffer(input, output, lengths[2]);
        if (status < 100 || status > 599)
            status = 500;
        sent = http_send_reply(dispatch->http, exchange, status, lengths[0] ? fields : NULL);
    }
    free(fields);
    invocation_finish(invocation, status, sent);
}

void dispatch_on_frame(struct dispatch *dispatch, struct worker *worker,
                       const struct ipc_prefix *prefix, struct evbuffer *input)
{
    struct invocation *invocation = worker->invocation;

    if (invocation == NULL) {
        /* The request already got its 504; this late answer has no taker. */
        evbuffer_drain(input, (size_t)prefix->total_length);
        return;
    }
    dispatch_reply(dispatch, invocation, prefix, input, worker->reply_file);
    /* A worker leaving (HOOKHOST_MAX_REQUESTS) takes nothing more. */
    if (supervisor_worker_finished(dispatch->supervisor, worker))
        dispatch_worker_idle(dispatch, worker);
}

void dispatch_worker_lost(struct dispatch *dispatch, struct worker *worker, const char *why)
{
    struct invocation *invocation = worker->invocation;
    (void)dispatch;
    if (invocation != NULL)
        invocation_fail(invocation, ERR_WORKER_DIED, why);
}

void dispatch_fail_queued(struct dispatch *dispatch, enum error_code code, const char *message)
{
    struct invocation *invocation;
    while ((invocation = TAILQ_FIRST(&dispatch->queue)) != NULL)
        invocation_fail(invocation, code, message);
}

size_t dispatch_outstanding(const struct dispatch *dispatch)
{
    return dispatch->in_flight;
}

void dispatch_free(struct dispatch *dispatch)
{
    free(dispatch);
}
