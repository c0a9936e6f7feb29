/*
 * buffer: growth doubles capacity so appends are amortised O(1); the maximum
 * turns runaway output (a huge prediction, a hostile body) into an error
 * instead of an out-of-memory kill.
 */
#include "buffer.h"

#include <stdlib.h>
#include <stdint.h>
#include <string.h>

void buffer_init(struct buffer *buffer, size_t max)
{
    buffer->data = NULL;
    buffer->length = 0;
    buffer->capacity = 0;
    buffer->max = max;
}

void buffer_free(struct buffer *buffer)
{
    free(buffer->data);
    buffer_init(buffer, buffer->max);
}

void buffer_reset(struct buffer *buffer)
{
    buffer->length = 0;
}

enum error_code buffer_reserve(struct buffer *buffer, size_t extra)
{
    size_t needed, capacity;
    char *data;

    if (extra > buffer->max - buffer->length) {
        buffer_free(buffer);
        return ERR_TOO_LARGE;
    }
    needed = buffer->length + extra;
    if (needed <= buffer->capacity)
        return OK;
    capacity = buffer->capacity ? buffer->capacity : 256;
    while (capacity < needed)
        capacity = capacity > SIZE_MAX / 2 ? needed : capacity * 2;
    if (capacity > buffer->max)
        capacity = buffer->max > needed ? buffer->max : needed;
    data = realloc(buffer->data, capacity);
    if (data == NULL) {
        buffer_free(buffer);
        return ERR_NOMEM;
    }
    buffer->data = data;
    buffer->capacity = capacity;
    return OK;
}

enum error_code buffer_append(struct buffer *buffer, const void *data, size_t length)
{
    enum error_code rc = buffer_reserve(buffer, length);
    if (rc != OK)
        return rc;
    if (length > 0)
        memcpy(buffer->data + buffer->length, data, length);
    buffer->length += length;
    return OK;
}

enum error_code buffer_append_string(struct buffer *buffer, const char *text)
{
    return buffer_append(buffer, text, strlen(text));
}

enum error_code buffer_append_byte(struct buffer *buffer, char byte)
{
    if (buffer->length < buffer->capacity) {
        buffer->data[buffer->length++] = byte;
        return OK;
    }
    return buffer_append(buffer, &byte, 1);
}

char *buffer_take(struct buffer *buffer, size_t *length)
{
    char *data = buffer->data;
    *length = buffer->length;
    buffer_init(buffer, buffer->max);
    return data;
}
