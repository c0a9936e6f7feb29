/*
 * codec_emit: the output side the text encoders share (see codec_emit.h).
 *
 * An encoder prints each step (an element and its separators) straight into
 * the buffer's spare capacity, checking only that step_max bytes are left;
 * the buffer grows a chunk at a time, so a large array costs a few reallocs
 * rather than one append call per element.  The last chunk is clamped to
 * the buffer's maximum, and the steps that no longer have step_max bytes
 * before it go through a scratch copy, so the maximum is exact: an output
 * that fits is never refused for the slack a step might have needed.
 */
#include "codec_emit.h"

#include <assert.h>

void emitter_init(struct emitter *emitter, struct buffer *out, size_t step_max, size_t chunk)
{
    /* A larger step could overrun scratch; encoders _Static_assert theirs. */
    assert(step_max <= EMITTER_STEP_MAX);
    emitter->out = out;
    emitter->cursor = out->data != NULL ? out->data + out->length : NULL;
    emitter->limit = out->data != NULL ? out->data + out->capacity : NULL;
    emitter->saved = NULL;
    emitter->step_max = step_max;
    emitter->chunk = chunk;
    emitter->in_scratch = false;
}

void emitter_sync(struct emitter *emitter)
{
    if (emitter->out->data != NULL)
        emitter->out->length = (size_t)(emitter->cursor - emitter->out->data);
}

enum error_code emitter_reserve(struct emitter *emitter, size_t want)
{
    struct buffer *out = emitter->out;
    enum error_code rc;

    emitter_sync(emitter);
    if (want > out->max - out->length)
        want = out->max - out->length;
    if ((rc = buffer_reserve(out, want)) != OK)
        return rc;
    if (out->data != NULL) {
        emitter->cursor = out->data + out->length;
        emitter->limit = out->data + out->capacity;
    }
    return OK;
}

enum error_code emitter_begin_refill(struct emitter *emitter)
{
    enum error_code rc = emitter_reserve(emitter, emitter->chunk);

    if (rc != OK)
        return rc;
    if (emitter->out->data != NULL && (size_t)(emitter->limit - emitter->cursor) >= emitter->step_max)
        return OK;
    emitter->saved = emitter->cursor;
    emitter->cursor = emitter->scratch;
    emitter->in_scratch = true;
    return OK;
}

enum error_code emitter_end_scratch(struct emitter *emitter)
{
    size_t length = (size_t)(emitter->cursor - emitter->scratch);
    size_t room = emitter->saved != NULL ? (size_t)(emitter->limit - emitter->saved) : 0;

    emitter->in_scratch = false;
    if (length > room) {
        buffer_free(emitter->out);
        emitter->cursor = emitter->limit = NULL;
        return ERR_TOO_LARGE;
    }
    if (length > 0)
        memcpy(emitter->saved, emitter->scratch, length);
    emitter->cursor = emitter->saved + length;
    return OK;
}

bool element_format(const struct array_desc *desc, enum element_format *format)
{
    int base;
    switch (desc->kind) {
    case ELEMENT_BOOL:
        *format = FORMAT_BOOL;
        return desc->itemsize == 1;
    case ELEMENT_INT:
    case ELEMENT_UINT:
        base = desc->kind == ELEMENT_INT ? FORMAT_INT8 : FORMAT_UINT8;
        switch (desc->itemsize) {
        case 1: *format = (enum element_format)base; return true;
        case 2: *format = (enum element_format)(base + 1); return true;
        case 4: *format = (enum element_format)(base + 2); return true;
        case 8: *format = (enum element_format)(base + 3); return true;
        }
        return false;
    case ELEMENT_FLOAT:
        switch (desc->itemsize) {
        case 2: *format = FORMAT_FLOAT16; return true;
        case 4: *format = FORMAT_FLOAT32; return true;
        case 8: *format = FORMAT_FLOAT64; return true;
        }
        return false;
    case ELEMENT_COMPLEX:
        break;
    }
    return false;
}
