/*
 * worker: the frame loop around the hooks.
 *
 * Blocking I/O on the channel is right here: a worker does one thing at a
 * time and the master does all the waiting.  The request body is read
 * straight into a bytes object of the right size, the one copy it makes.
 */
#include "worker.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "hooks.h"
#include "ipc.h"
#include "log.h"
#include "pyembed.h"

/* Content type and Accept values are header values: 64 KiB bounds both. */
#define WORKER_HEADER_FIELD_MAX (64 * 1024)
/* The master enforces the payload limit; this is a sanity bound only. */
#define WORKER_MAX_FRAME ((uint64_t)1 << 34)
/* The channel's read buffer: a whole small request fits in one read. */
#define WORKER_READ_BUFFER (64 * 1024)
/* How far the reply file may exceed twice the current body before it shrinks. */
#define WORKER_REPLY_FILE_SLACK ((size_t)1 << 20)

/* The channel's read side, buffered: one read() usually brings a whole small
 * frame (prefix, headers and body), where reading each part on its own cost
 * four system calls per request. */
struct channel_reader {
    int fd;
    char *buffer;
    size_t start, end;  /* the unread bytes are buffer[start, end) */
};

/* Fills data with the next length bytes of the channel. */
static int channel_read(struct channel_reader *reader, void *data, size_t length)
{
    char *at = data;
    while (length > 0) {
        size_t held = reader->end - reader->start;
        ssize_t got;
        if (held > 0) {
            size_t take = held < length ? held : length;
            memcpy(at, reader->buffer + reader->start, take);
            reader->start += take;
            at += take;
            length -= take;
            continue;
        }
        /* Large remainders go straight to their destination. */
        if (length >= WORKER_READ_BUFFER)
            got = read(reader->fd, at, length);
        else
            got = read(reader->fd, reader->buffer, WORKER_READ_BUFFER);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return -1;
        if (length >= WORKER_READ_BUFFER) {
            at += got;
            length -= (size_t)got;
        } else {
            reader->start = 0;
            reader->end = (size_t)got;
        }
    }
    return 0;
}

/* Reads length bytes of the body file from offset 0 (see ipc.h). */
static int read_body_file(void *data, size_t length)
{
    char *at = data;
    off_t offset = 0;
    while (length > 0) {
        ssize_t got = pread(IPC_BODY_FILE_FD, at, length, offset);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return -1;
        at += got;
        offset += got;
        length -= (size_t)got;
    }
    return 0;
}

/* Writes all of pieces[0, count) with as few writev calls as the socket allows:
 * a frame in one call wakes the master once, not once per field. */
static int write_pieces(int fd, struct iovec *pieces, int count)
{
    while (count > 0) {
        ssize_t put = writev(fd, pieces, count);
        if (put < 0 && errno == EINTR)
            continue;
        if (put <= 0)
            return -1;
        while (count > 0 && (size_t)put >= pieces->iov_len) {
            put -= (ssize_t)pieces->iov_len;
            pieces++;
            count--;
        }
        if (count > 0) {
            pieces->iov_base = (char *)pieces->iov_base + put;
            pieces->iov_len -= (size_t)put;
        }
    }
    return 0;
}

/* The reply file (ipc.h): the pages it holds now, and whether the master gave
 * us one.  Only the worker writes it. */
struct reply_file {
    bool usable;
    size_t size;
};

/* Writes the body (its start, then tail) at offset 0 of the reply file.
 * Returns 0, or -1 when the file cannot take it (then it goes on the channel). */
static int reply_file_write(struct reply_file *file, const char *start, size_t start_length, const char *tail,
                            size_t tail_length)
{
    size_t length = start_length + tail_length, written = 0;

    while (written < length) {
        struct iovec pieces[2];
        int count = 0;
        ssize_t put;
        if (written < start_length)
            pieces[count++] = (struct iovec){ (char *)start + written, start_length - written };
        if (tail_length > 0) {
            size_t tail_done = written > start_length ? written - start_length : 0;
            pieces[count++] = (struct iovec){ (char *)tail + tail_done, tail_length - tail_done };
        }
        put = pwritev(IPC_REPLY_FILE_FD, pieces, count, (off_t)written);
        if (put < 0 && errno == EINTR)
            continue;
        if (put <= 0)
            return -1;
        written += (size_t)put;
    }
    /* Shrink a file that holds far more than this body, as the master does
     * with the request file. */
    if (file->size < length)
        file->size = length;
    else if (file->size > 2 * length + WORKER_REPLY_FILE_SLACK && ftruncate(IPC_REPLY_FILE_FD, (off_t)length) == 0)
        file->size = length;
    return 0;
}

/* Writes a frame whose last field may continue past fields[2] in tail (an
 * NPY payload sent from the array's own memory).  A large last field of a
 * RESPONSE goes through the reply file when there is one. */
static int worker_send(int fd, struct reply_file *file, enum ipc_kind kind, uint32_t status,
                       const char *const *fields, const size_t *lengths, uint32_t count, const char *tail,
                       size_t tail_length)
{
    unsigned char prefix[IPC_PREFIX_MAX];
    uint64_t lengths64[IPC_MAX_FIELDS] = { 0 };
    struct iovec pieces[IPC_MAX_FIELDS + 2];
    uint32_t flags = 0, on_channel = count;
    int piece_count = 0;

    for (uint32_t i = 0; i < count; i++)
        lengths64[i] = lengths[i];
    if (count > 0)
        lengths64[count - 1] += tail_length;
    if (kind == IPC_RESPONSE && file != NULL && file->usable && lengths64[count - 1] >= IPC_BODY_FILE_MIN &&
        reply_file_write(file, fields[count - 1], lengths[count - 1], tail, tail_length) == 0) {
        flags = IPC_FLAG_BODY_IN_FILE;
        on_channel = count - 1;
        tail_length = 0;
    }
    pieces[piece_count++] = (struct iovec){ prefix, ipc_prefix_write(prefix, kind, status, flags, lengths64, count) };
    for (uint32_t i = 0; i < on_channel; i++)
        if (lengths[i] > 0)
            pieces[piece_count++] = (struct iovec){ (void *)fields[i], lengths[i] };
    if (tail_length > 0)
        pieces[piece_count++] = (struct iovec){ (void *)tail, tail_length };
    return write_pieces(fd, pieces, piece_count);
}

static int worker_send_failure(int fd, const struct py_failure *failure, bool fatal)
{
    const char *fields[3] = { failure->name, failure->message, failure->trace };
    size_t lengths[3] = { strlen(failure->name), strlen(failure->message), strlen(failure->trace) };
    return worker_send(fd, NULL, IPC_LOAD_FAILED, fatal ? 1 : 0, fields, lengths, 3, NULL, 0);
}

/* Reads one request and answers it.  Returns 0 to go on, -1 when the
 * channel is closed or broken. */
static int worker_serve_one(struct channel_reader *reader, struct reply_file *file, struct hooks *hooks,
                            char *header_fields)
{
    unsigned char head[IPC_PREFIX_MAX];
    struct ipc_prefix prefix;
    struct hook_reply reply;
    struct error err;
    PyObject *body;

    error_clear(&err);
    size_t content_type_length, accept_length, body_length;
    int rc;

    if (channel_read(reader, head, IPC_HEAD_SIZE) != 0)
        return -1;
    if (ipc_prefix_parse(head, IPC_HEAD_SIZE, WORKER_MAX_FRAME, &prefix, &err) == ERR_BAD_INPUT ||
        channel_read(reader, head + IPC_HEAD_SIZE, 8 * prefix.field_count) != 0 ||
        ipc_prefix_parse(head, IPC_HEAD_SIZE + 8 * prefix.field_count, WORKER_MAX_FRAME, &prefix, &err) != OK ||
        prefix.kind != IPC_REQUEST) {
        log_write(LOG_ERROR, "bad frame from the master: %s", err.message);
        return -1;
    }
    content_type_length = (size_t)prefix.field_length[0];
    accept_length = (size_t)prefix.field_length[1];
    body_length = (size_t)prefix.field_length[2];
    if (content_type_length > WORKER_HEADER_FIELD_MAX || accept_length > WORKER_HEADER_FIELD_MAX ||
        channel_read(reader, header_fields, content_type_length + accept_length) != 0)
        return -1;
    body = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)body_length);   /* new reference */
    if (body == NULL) {
        PyErr_Clear();
        return -1;
    }
    if ((prefix.flags & IPC_FLAG_BODY_IN_FILE ? read_body_file(PyBytes_AS_STRING(body), body_length)
                                                   : channel_read(reader, PyBytes_AS_STRING(body), body_length)) != 0) {
        log_write(LOG_ERROR, "cannot read a request body from the master: %s", strerror(errno));
        Py_DECREF(body);
        return -1;
    }
    hooks_invoke(hooks, header_fields, content_type_length, header_fields + content_type_length, accept_length,
                 body, &reply);
    Py_DECREF(body);
    rc = worker_send(reader->fd, file, reply.kind, (uint32_t)reply.status, reply.field, reply.length, 3, reply.tail,
                     reply.tail_length);
    hook_reply_release(&reply);
    return rc;
}

int worker_main(const struct config *config, int index)
{
    char role[32];
    struct py_failure failure = { 0 };
    struct hooks *hooks;
    bool fatal = false;
    char *header_fields, *read_buffer;
    const char *parameters;
    size_t parameters_length;
    int status = 0;

    snprintf(role, sizeof role, "worker-%d", index);
    log_setup(config->log_level, role);
    signal(SIGPIPE, SIG_IGN);
    /* Ctrl-C and a SIGTERM to the whole process group reach workers too;
     * the master decides when they stop (by closing the channel), so a
     * request in flight is never cut short by the signal meant for it. */
    signal(SIGINT, SIG_IGN);
    signal(SIGTERM, SIG_IGN);

    if (pyembed_start(config, &failure) != 0) {
        hooks = NULL;
    } else {
        hooks = hooks_load(config, &failure, &fatal);
    }
    if (hooks == NULL) {
        log_write(LOG_ERROR, "cannot load the model: %s: %s", failure.name, failure.message);
        if (failure.trace[0] != '\0')
            log_lines(LOG_ERROR, failure.trace, strlen(failure.trace));
        worker_send_failure(IPC_CHANNEL_FD, &failure, fatal);
        pyerror_free(&failure);
        pyembed_stop();
        return fatal ? WORKER_EXIT_SCRIPT_ERROR : WORKER_EXIT_LOAD_FAILED;
    }
    parameters = hooks_execution_parameters(hooks, &parameters_length);
    header_fields = malloc(2 * WORKER_HEADER_FIELD_MAX);
    read_buffer = malloc(WORKER_READ_BUFFER);
    if (header_fields == NULL || read_buffer == NULL ||
        worker_send(IPC_CHANNEL_FD, NULL, IPC_READY, 0, &parameters, &parameters_length, 1, NULL, 0) != 0) {
        status = WORKER_EXIT_CHANNEL;
    } else {
        /* The master passes the reply file with the channel, or neither memfd. */
        struct reply_file file = { fcntl(IPC_REPLY_FILE_FD, F_GETFD) >= 0, 0 };
        struct channel_reader reader = { IPC_CHANNEL_FD, read_buffer, 0, 0 };
        while (worker_serve_one(&reader, &file, hooks, header_fields) == 0)
            ;
    }
    free(header_fields);
    free(read_buffer);
    hooks_free(hooks);
    pyembed_stop();
    return status;
}
