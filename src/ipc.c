/*
 * ipc: framing only.  No I/O happens here, so the parser can be unit-tested
 * and fuzzed with plain byte strings; master and worker own their sockets.
 */
#include "ipc.h"

#include <string.h>

uint32_t ipc_field_count(enum ipc_kind kind)
{
    switch (kind) {
    case IPC_READY: return 1;
    case IPC_LOAD_FAILED:
    case IPC_REQUEST:
    case IPC_RESPONSE:
    case IPC_ERROR: return 3;
    }
    return UINT32_MAX;
}

enum error_code ipc_prefix_parse(const void *data, size_t available, uint64_t max_total,
                                 struct ipc_prefix *prefix, struct error *err)
{
    const unsigned char *bytes = data;
    uint32_t head[4];
    uint64_t total;

    if (available < IPC_HEAD_SIZE)
        return ERR_DECLINED;
    memcpy(head, bytes, sizeof head);
    if (ipc_field_count((enum ipc_kind)head[0]) == UINT32_MAX)
        return error_set(err, ERR_BAD_INPUT, "ipc: unknown frame kind %u", head[0]);
    if (head[2] != ipc_field_count((enum ipc_kind)head[0]))
        return error_set(err, ERR_BAD_INPUT, "ipc: frame kind %u carries %u fields, not %u",
                         head[0], ipc_field_count((enum ipc_kind)head[0]), head[2]);
    if ((head[3] & ~IPC_FLAG_BODY_IN_FILE) != 0 ||
        (head[3] != 0 && head[0] != IPC_REQUEST && head[0] != IPC_RESPONSE))
        return error_set(err, ERR_BAD_INPUT, "ipc: flags %#x are not valid on frame kind %u", head[3], head[0]);
    prefix->kind = (enum ipc_kind)head[0];
    prefix->status = head[1];
    prefix->field_count = head[2];
    prefix->flags = head[3];
    prefix->prefix_length = IPC_HEAD_SIZE + 8 * (size_t)prefix->field_count;
    if (available < prefix->prefix_length)
        return ERR_DECLINED;
    total = prefix->prefix_length;
    for (uint32_t i = 0; i < prefix->field_count; i++) {
        uint64_t length;
        memcpy(&length, bytes + IPC_HEAD_SIZE + 8 * i, 8);
        if (length > max_total || total > max_total - length)
            return error_set(err, ERR_BAD_INPUT, "ipc: frame longer than the %llu-byte limit",
                             (unsigned long long)max_total);
        prefix->field_length[i] = length;
        total += length;
    }
    /* The body is the last field; in a file it is not on the channel. */
    prefix->total_length = prefix->flags & IPC_FLAG_BODY_IN_FILE ?
        total - prefix->field_length[prefix->field_count - 1] : total;
    return OK;
}

size_t ipc_prefix_write(void *out, enum ipc_kind kind, uint32_t status, uint32_t flags,
                        const uint64_t *field_length, uint32_t field_count)
{
    unsigned char *bytes = out;
    uint32_t head[4] = { (uint32_t)kind, status, field_count, flags };
    memcpy(bytes, head, sizeof head);
    if (field_count > 0)
        memcpy(bytes + IPC_HEAD_SIZE, field_length, 8 * (size_t)field_count);
    return IPC_HEAD_SIZE + 8 * (size_t)field_count;
}

enum error_code ipc_frame_build(struct buffer *out, enum ipc_kind kind, uint32_t status,
                                const char *const *fields, const uint64_t *field_length,
                                uint32_t field_count)
{
    unsigned char prefix[IPC_PREFIX_MAX];
    size_t prefix_length;
    enum error_code rc;

    if (field_count > IPC_MAX_FIELDS || field_count != ipc_field_count(kind))
        return ERR_INTERNAL;
    prefix_length = ipc_prefix_write(prefix, kind, status, 0, field_length, field_count);
    rc = buffer_append(out, prefix, prefix_length);
    for (uint32_t i = 0; rc == OK && i < field_count; i++)
        rc = buffer_append(out, fields[i], (size_t)field_length[i]);
    return rc;
}

int ipc_headers_next(const char *headers, size_t length, size_t *cursor,
                     const char **name, const char **value)
{
    const char *name_end, *value_end;
    size_t at = *cursor;

    if (at >= length)
        return 0;
    name_end = memchr(headers + at, '\0', length - at);
    if (name_end == NULL)
        return 0;
    value_end = memchr(name_end + 1, '\0', length - (size_t)(name_end + 1 - headers));
    if (value_end == NULL)
        return 0;
    *name = headers + at;
    *value = name_end + 1;
    *cursor = (size_t)(value_end + 1 - headers);
    return 1;
}
