/*
 * ipc: the frames master and workers exchange over their socketpair.
 *
 * A frame is a 16-byte head, a table of field lengths, then the fields:
 *
 *   u32 kind | u32 status | u32 field_count | u32 flags
 *   u64 length[field_count]
 *   field 0 | field 1 | ...
 *
 * in the host's byte order (both ends are the same binary on the same
 * machine).  The last field of a request or response is the body, so a
 * sender can write the prefix (ipc_prefix_write) and then hand the body to
 * the socket straight from where it already is, without copying it into a
 * frame first; a receiver can read the prefix and then read the body straight
 * into its final home.
 *
 *   kind            fields                              status
 *   IPC_READY       execution_parameters                -
 *   IPC_LOAD_FAILED name, message, trace                -
 *   IPC_REQUEST     content_type, accept, body          -
 *   IPC_RESPONSE    content_type, headers, body         HTTP status
 *   IPC_ERROR       name, message, trace                HTTP status
 *
 * headers is a run of "name\0value\0" pairs; execution_parameters is the
 * JSON body of the user's execution_parameters_fn(), empty when there is none.
 *
 * A worker starts with the channel on fd IPC_CHANNEL_FD and, when the master
 * could make them, two memfds: the request body file on IPC_BODY_FILE_FD and
 * the reply body file on IPC_REPLY_FILE_FD.  A REQUEST or RESPONSE with
 * IPC_FLAG_BODY_IN_FILE carries no body bytes on the channel: its body field's
 * length says how many bytes to read from offset 0 of the request (or reply)
 * file, and the frame's total_length leaves them out.  Large bodies go that
 * way, as one write and one read, instead of as hundreds of pieces the size of
 * a socket buffer that wake both processes in turn.  The sender writes the
 * file before the frame, and a file is rewritten only for the next request,
 * which the master sends after it has read the reply.
 */
#ifndef HOOKHOST_IPC_H
#define HOOKHOST_IPC_H

#include <stddef.h>
#include <stdint.h>

#include "buffer.h"
#include "error.h"

enum ipc_kind {
    IPC_READY = 1,
    IPC_LOAD_FAILED = 2,
    IPC_REQUEST = 3,
    IPC_RESPONSE = 4,
    IPC_ERROR = 5
};

#define IPC_CHANNEL_FD 3
#define IPC_BODY_FILE_FD 4
#define IPC_REPLY_FILE_FD 5
#define IPC_FLAG_BODY_IN_FILE 1u
/* Bodies from this size on go through the files: below it a socket buffer
 * takes them in one piece anyway. */
#define IPC_BODY_FILE_MIN (64 * 1024)

#define IPC_HEAD_SIZE 16
#define IPC_MAX_FIELDS 3
#define IPC_PREFIX_MAX (IPC_HEAD_SIZE + 8 * IPC_MAX_FIELDS)

struct ipc_prefix {
    enum ipc_kind kind;
    uint32_t status;
    uint32_t field_count;
    uint32_t flags;       /* IPC_FLAG_* */
    uint64_t field_length[IPC_MAX_FIELDS];
    size_t prefix_length; /* head + length table */
    uint64_t total_length;/* bytes on the channel: prefix + every field, less a body in a file */
};

/* Parses the prefix at the start of [data, data + available).
 * Returns OK with *prefix filled; ERR_DECLINED when more bytes are needed
 * (not an error: wait for them); ERR_BAD_INPUT for a malformed prefix (unknown
 * kind, wrong field count for the kind, unknown flags or a body file on a kind
 * other than REQUEST and RESPONSE, lengths whose sum exceeds max_total). */
enum error_code ipc_prefix_parse(const void *data, size_t available, uint64_t max_total,
                                 struct ipc_prefix *prefix, struct error *err);

/* Writes a prefix for the given kind and field lengths into out, which must
 * hold IPC_PREFIX_MAX bytes.  Returns the prefix length. */
size_t ipc_prefix_write(void *out, enum ipc_kind kind, uint32_t status, uint32_t flags,
                        const uint64_t *field_length, uint32_t field_count);

/* The number of fields a kind carries. */
uint32_t ipc_field_count(enum ipc_kind kind);

/* Builds a whole frame (prefix and fields) in out; fields[i] may be NULL when
 * its length is 0.  For small frames (errors, READY); bodies go separately. */
enum error_code ipc_frame_build(struct buffer *out, enum ipc_kind kind, uint32_t status,
                                const char *const *fields, const uint64_t *field_length,
                                uint32_t field_count);

/* Iterates "name\0value\0" pairs: returns the next pair or 0 at the end or on a
 * malformed run; *cursor starts at 0. */
int ipc_headers_next(const char *headers, size_t length, size_t *cursor,
                     const char **name, const char **value);

#endif
