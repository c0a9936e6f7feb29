/*
 * codec_emit: what the text encoders (codec_json, codec_csv) share: reading
 * element i of a typed array of either byte order, and printing straight
 * into an output buffer's spare capacity.
 *
 * The per-element helpers are static inline because they sit in the
 * encoders' innermost loops, where a call per element would cost as much as
 * the printing; what runs once per chunk or per array lives in codec_emit.c.
 */
#ifndef HOOKHOST_CODEC_EMIT_H
#define HOOKHOST_CODEC_EMIT_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "array_desc.h"
#include "buffer.h"
#include "error.h"
#include "number_format.h"

/* The most bytes one emitter_begin .. emitter_end step may print, for any
 * encoder: the size of the scratch that steps near out's maximum go to.
 * Each encoder checks its own worst case against it. */
#define EMITTER_STEP_MAX 128

/* Prints straight into out's spare capacity, growing it a chunk at a time.
 * Near out's maximum, where a chunk (or even one step) would overshoot, a
 * step is printed into scratch and copied if it fits, so an output that fits
 * the maximum is never refused. */
struct emitter {
    struct buffer *out;
    char *cursor;               /* where the next byte goes */
    char *limit;                /* end of out's capacity */
    char *saved;                /* the real cursor while printing into scratch */
    size_t step_max;            /* the encoder's worst case bytes per step */
    size_t chunk;               /* bytes to reserve when out is full */
    bool in_scratch;
    char scratch[EMITTER_STEP_MAX];
};

/* Starts appending to out (which stays the caller's), steps printing at most
 * step_max (<= EMITTER_STEP_MAX) bytes, out growing chunk bytes at a time. */
void emitter_init(struct emitter *emitter, struct buffer *out, size_t step_max, size_t chunk);
/* Sets out->length to what was printed; call when done, before reading out. */
void emitter_sync(struct emitter *emitter);
/* Syncs and makes room for want more bytes (less near out's maximum), for
 * encoders that check room for a run of steps themselves.  Fails as
 * buffer_reserve does, out freed. */
enum error_code emitter_reserve(struct emitter *emitter, size_t want);
/* The slow paths of emitter_begin and emitter_end; call those instead. */
enum error_code emitter_begin_refill(struct emitter *emitter);
enum error_code emitter_end_scratch(struct emitter *emitter);

/* Call before printing at most step_max bytes at emitter->cursor.  Fails
 * (ERR_NOMEM, ERR_TOO_LARGE) with out freed. */
static inline enum error_code emitter_begin(struct emitter *emitter)
{
    if (emitter->cursor != NULL && (size_t)(emitter->limit - emitter->cursor) >= emitter->step_max)
        return OK;
    return emitter_begin_refill(emitter);
}

/* Call after the bytes emitter_begin made room for.  Fails with
 * ERR_TOO_LARGE, out freed, when they pass out's maximum. */
static inline enum error_code emitter_end(struct emitter *emitter)
{
    if (!emitter->in_scratch)
        return OK;
    return emitter_end_scratch(emitter);
}

/* An array element as the encoders print it: numpy's dtype, less complex. */
enum element_format {
    FORMAT_BOOL,
    FORMAT_INT8, FORMAT_INT16, FORMAT_INT32, FORMAT_INT64,
    FORMAT_UINT8, FORMAT_UINT16, FORMAT_UINT32, FORMAT_UINT64,
    FORMAT_FLOAT16, FORMAT_FLOAT32, FORMAT_FLOAT64
};

/* desc's element format, or false for a kind and itemsize with none
 * (complex, or an itemsize numpy does not have). */
bool element_format(const struct array_desc *desc, enum element_format *format);

/* Whether desc's elements are in the other byte order than this machine's. */
static inline bool element_swapped(const struct array_desc *desc)
{
    return desc->itemsize > 1 && desc->big_endian != (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__);
}

/* The size (1, 2, 4 or 8) bytes at p as an unsigned integer, byte-swapped
 * when swap.  memcpy, since elements of a strided array may be unaligned. */
static inline uint64_t element_load_bits(const unsigned char *p, size_t size, bool swap)
{
    uint16_t u16;
    uint32_t u32;
    uint64_t u64;
    switch (size) {
    case 1:
        return *p;
    case 2:
        memcpy(&u16, p, 2);
        return swap ? __builtin_bswap16(u16) : u16;
    case 4:
        memcpy(&u32, p, 4);
        return swap ? __builtin_bswap32(u32) : u32;
    default:
        memcpy(&u64, p, 8);
        return swap ? __builtin_bswap64(u64) : u64;
    }
}

/* An IEEE half's value; exact, since every half is a double. */
static inline double element_half_to_double(uint16_t half)
{
    unsigned exponent = (half >> 10) & 0x1F, mantissa = half & 0x3FF;
    double magnitude;
    if (exponent == 0)
        magnitude = mantissa * 0x1p-24;
    else if (exponent == 31)
        magnitude = mantissa ? NAN : INFINITY;
    else
        magnitude = ldexp((double)(mantissa | 0x400), (int)exponent - 25);
    return (half & 0x8000) ? -magnitude : magnitude;
}

/* The element at p of a FORMAT_INT* format. */
static inline int64_t element_load_int(enum element_format format, const unsigned char *p, bool swap)
{
    switch (format) {
    case FORMAT_INT8: return (int8_t)*p;
    case FORMAT_INT16: return (int16_t)element_load_bits(p, 2, swap);
    case FORMAT_INT32: return (int32_t)element_load_bits(p, 4, swap);
    default: return (int64_t)element_load_bits(p, 8, swap);
    }
}

/* The element at p of a FORMAT_UINT* format. */
static inline uint64_t element_load_uint(enum element_format format, const unsigned char *p, bool swap)
{
    switch (format) {
    case FORMAT_UINT8: return *p;
    case FORMAT_UINT16: return element_load_bits(p, 2, swap);
    case FORMAT_UINT32: return element_load_bits(p, 4, swap);
    default: return element_load_bits(p, 8, swap);
    }
}

/* The element at p of a FORMAT_FLOAT* format, exactly (the printers round
 * to the element's own precision, so a float32 must stay its value). */
static inline double element_load_float(enum element_format format, const unsigned char *p, bool swap)
{
    uint64_t bits;
    uint32_t word;
    float single;
    double real;
    switch (format) {
    case FORMAT_FLOAT16:
        return element_half_to_double((uint16_t)element_load_bits(p, 2, swap));
    case FORMAT_FLOAT32:
        word = (uint32_t)element_load_bits(p, 4, swap);
        memcpy(&single, &word, 4);
        return single;
    default:
        bits = element_load_bits(p, 8, swap);
        memcpy(&real, &bits, 8);
        return real;
    }
}

/* Prints a bool (as true_text / false_text) or an integer element, which
 * JSON and CSV write alike; returns the end of the text, or NULL for a float
 * element, whose layout each codec chooses itself. */
static inline char *element_print_exact(enum element_format format, const unsigned char *p, bool swap,
                                        const char *true_text, const char *false_text, char *out)
{
    const char *text;
    size_t length;

    switch (format) {
    case FORMAT_BOOL:
        text = *p ? true_text : false_text;
        length = strlen(text);
        memcpy(out, text, length);
        return out + length;
    case FORMAT_INT8:
    case FORMAT_INT16:
    case FORMAT_INT32:
    case FORMAT_INT64:
        return out + number_format_int64(element_load_int(format, p, swap), out);
    case FORMAT_UINT8:
    case FORMAT_UINT16:
    case FORMAT_UINT32:
    case FORMAT_UINT64:
        return out + number_format_uint64(element_load_uint(format, p, swap), out);
    case FORMAT_FLOAT16:
    case FORMAT_FLOAT32:
    case FORMAT_FLOAT64:
        break;
    }
    return NULL;
}

#endif
