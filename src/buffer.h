/*
 * buffer: a growable byte buffer with a mandatory maximum size.
 *
 * The buffer owns its memory.  A failed append frees the memory and leaves the
 * buffer empty (as after buffer_init), so callers never clean up half-built
 * output; the code tells why (ERR_NOMEM, or ERR_TOO_LARGE past max).
 */
#ifndef HOOKHOST_BUFFER_H
#define HOOKHOST_BUFFER_H

#include <stddef.h>

#include "error.h"

struct buffer {
    char *data;      /* NULL until the first append */
    size_t length;   /* bytes in use */
    size_t capacity; /* bytes allocated */
    size_t max;      /* length may never exceed this */
};

void buffer_init(struct buffer *buffer, size_t max);
void buffer_free(struct buffer *buffer);
/* Forgets the contents but keeps the allocation, for reuse on the hot path. */
void buffer_reset(struct buffer *buffer);

enum error_code buffer_append(struct buffer *buffer, const void *data, size_t length);
enum error_code buffer_append_string(struct buffer *buffer, const char *text);
enum error_code buffer_append_byte(struct buffer *buffer, char byte);
/* Ensures room for `extra` more bytes; write them at data + length, then
 * advance length yourself.  Lets formatters print straight into the buffer. */
enum error_code buffer_reserve(struct buffer *buffer, size_t extra);

/* Hands the memory to the caller (who frees it with free()) and empties the
 * buffer.  *length receives the byte count; the result may be NULL when empty. */
char *buffer_take(struct buffer *buffer, size_t *length);

#endif
