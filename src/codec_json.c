/*
 * codec_json: JSON and JSON Lines to float32 and back, equal to the Python
 * reference (python/hookhost/decoders.py and encoders.py): one way
 * numpy.array(json.loads(text)).astype(float32), the other
 * json.dumps(x.tolist()).
 *
 * Decoding is one pass over the text with no recursion and no allocation per
 * value: scalars are converted as they are met and appended to one growing
 * float array, in C order, which is the order they appear in.  The shape is
 * inferred on the way: the first scalar (or the first empty list) fixes the
 * number of dimensions, and the first list to close at each level fixes that
 * level's length; every later list and scalar must agree, or the lists are
 * ragged, which numpy refuses.
 *
 * The awkward part is that numpy picks the array's dtype from all the values
 * before casting, and the dtype decides how an integer reaches float32:
 * an all-integer list becomes int64 (or uint64) and is cast once, while a
 * list holding floats, strings or None goes through double first, which
 * rounds twice.  The two only differ for integers beyond 2^53, so the first
 * pass converts integers directly and notes whether any was that wide; in
 * the rare case where it was and the dtype turns out to be floating, the
 * text is scanned a second time with integers widened to double first.
 *
 * Python's order of failures is kept: a JSON syntax error anywhere wins over
 * ragged lists (numpy never sees the lists), and ragged lists win over
 * values that do not convert (astype never runs), so the scan notes a ragged
 * shape or a bad value and keeps going to the end of the text.  Only then,
 * on the error path, is numpy's shape discovery replayed to word the ragged
 * message as numpy does.
 *
 * Strings with escapes or non-ASCII bytes (Python's float() accepts Unicode
 * digits and spaces), strings with underscores, integers beyond the double
 * range and nesting deeper than numpy's 32 dimensions are declined: the
 * Python default then answers, exactly, for inputs real clients do not send.
 *
 * Encoding prints straight into the output buffer: the shortest round-trip
 * digits come from number_format, the brackets and ", " separators are
 * json.dumps's, and the array is walked in C order whatever its layout.
 */
#include "codec_json.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec_emit.h"
#include "number_format.h"
#include "number_parse.h"

/* Objects are validated (never converted) to this depth, then declined:
 * Python's json goes deeper only to hit its recursion limit. */
#define JSON_SKIP_DEPTH_MAX 64

/* Which scalars a document held: numpy derives the dtype from these. */
enum seen_flag {
    SEEN_BOOL = 1 << 0,
    SEEN_INT64 = 1 << 1,    /* an integer that fits int64 */
    SEEN_UINT64 = 1 << 2,   /* an integer in (INT64_MAX, UINT64_MAX]: numpy's uint64 */
    SEEN_HUGE = 1 << 3,     /* an integer beyond uint64: numpy's object dtype */
    SEEN_FLOAT = 1 << 4,
    SEEN_STRING = 1 << 5,
    SEEN_NULL = 1 << 6,     /* None: object dtype */
    SEEN_OBJECT = 1 << 7,   /* a dict: object dtype, and astype fails on it */
    SEEN_WIDE_INT = 1 << 8  /* |integer| > 2^53: direct and via-double casts may differ */
};

#define NO_INDEX SIZE_MAX

/* The values of all documents so far, and the state of the current one. */
struct json_scan {
    float *values;                  /* malloc'd; capacity floats */
    size_t count;                   /* values stored, all documents */
    size_t capacity;
    const char *document;           /* start of the current JSON text */
    const char *document_end;
    size_t line;                    /* the JSON Lines line, or 0 for a JSON body */
    int ndim;                       /* -1 until a scalar or an empty list fixes it */
    int levels_used;                /* shape entries set, to reset */
    size_t shape[ARRAY_MAX_DIMS];   /* SIZE_MAX until the first list of that level closes */
    size_t commas[ARRAY_MAX_DIMS];  /* commas seen in the open list of each level */
    unsigned seen;                  /* enum seen_flag */
    bool ints_via_double;           /* second pass: numpy's dtype is floating or object */
    bool ragged;
    size_t object_index;            /* first dict among the values, or NO_INDEX */
    size_t bool_index;              /* first bool, or NO_INDEX */
    bool bool_value;
    size_t bad_string_index;        /* first string float() refuses, or NO_INDEX */
    const char *bad_string;
    size_t bad_string_length;
    struct error *err;
};

static inline bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Python's json skips exactly these four. */
static inline const char *skip_whitespace(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
        p++;
    return p;
}

/* Past one character of UTF-8 text as Python's decoder with errors="replace"
 * reads it: a valid sequence, or the maximal ill-formed prefix that becomes
 * one U+FFFD. */
static const char *next_character(const char *p, const char *end)
{
    unsigned char lead = (unsigned char)*p++;
    unsigned char low = 0x80, high = 0xBF;
    int more;

    if (lead < 0x80)
        return p;
    if (lead >= 0xC2 && lead <= 0xDF)
        more = 1;
    else if (lead >= 0xE0 && lead <= 0xEF)
        more = 2;
    else if (lead >= 0xF0 && lead <= 0xF4)
        more = 3;
    else
        return p;
    if (lead == 0xE0)
        low = 0xA0;
    else if (lead == 0xED)
        high = 0x9F;
    else if (lead == 0xF0)
        low = 0x90;
    else if (lead == 0xF4)
        high = 0x8F;
    for (int i = 0; i < more && p < end; i++, low = 0x80, high = 0xBF) {
        if ((unsigned char)*p < low || (unsigned char)*p > high)
            break;
        p++;
    }
    return p;
}

/* How decoders.py names what it read ("the body", "line 3") and what numpy
 * converted ("the JSON body", "line 3"). */
static const char *subject(const struct json_scan *scan, bool converted, char *name, size_t size)
{
    if (scan->line == 0)
        return converted ? "the JSON body" : "the body";
    snprintf(name, size, "line %zu", scan->line);
    return name;
}

/* A JSONDecodeError, worded as decoders.py words it: "<where> is not valid
 * JSON: msg: line L column C (char N)", N counting characters, not bytes. */
static enum error_code syntax_error(struct json_scan *scan, const char *at, const char *message)
{
    size_t line = 1, column = 1, character = 0;
    char name[32];
    for (const char *p = scan->document; p < at; p = next_character(p, at)) {
        character++;
        column++;
        if (*p == '\n') {
            line++;
            column = 1;
        }
    }
    return error_set(scan->err, ERR_BAD_INPUT, "%s is not valid JSON: %s: line %zu column %zu (char %zu)",
                     subject(scan, false, name, sizeof name), message, line, column, character);
}

static enum error_code declined(struct json_scan *scan, const char *why)
{
    return error_set(scan->err, ERR_DECLINED, "json fast path declines %s", why);
}

static bool grow(struct json_scan *scan)
{
    size_t capacity = scan->capacity ? scan->capacity * 2 : 256;
    float *values;
    if (capacity < scan->capacity || capacity > SIZE_MAX / sizeof(float))
        return false;
    values = realloc(scan->values, capacity * sizeof(float));
    if (values == NULL)
        return false;
    scan->values = values;
    scan->capacity = capacity;
    return true;
}

/* Stores one scalar found depth lists deep. */
static inline enum error_code store(struct json_scan *scan, int depth, float value)
{
    if (scan->ndim != depth) {
        if (scan->ndim < 0)
            scan->ndim = depth;
        else
            scan->ragged = true;
    }
    if (scan->count == scan->capacity && !grow(scan))
        return error_set(scan->err, ERR_NOMEM, "json: out of memory for %zu values", scan->count);
    scan->values[scan->count++] = value;
    return OK;
}

/* A list of the given level (0 = outermost) closed holding length values. */
static inline void close_list(struct json_scan *scan, int level, size_t length)
{
    if (length == 0) {
        /* An empty list is innermost: it has no element dimension. */
        if (scan->ndim < 0)
            scan->ndim = level + 1;
        else if (scan->ndim != level + 1)
            scan->ragged = true;
    }
    if (scan->shape[level] == length)
        return;
    if (scan->shape[level] == SIZE_MAX) {
        scan->shape[level] = length;
        if (level >= scan->levels_used)
            scan->levels_used = level + 1;
    } else {
        scan->ragged = true;
    }
}

/* An integer magnitude rounded once to float32 (to nearest, ties to even),
 * as numpy's int64 and uint64 casts do.  Done in integers because a cast
 * that goes through double first (as valgrind's emulation does) would round
 * twice. */
static float magnitude_to_float(uint64_t magnitude)
{
    uint64_t kept, rest, half;
    int shift;

    if (magnitude < ((uint64_t)1 << 24))
        return (float)(uint32_t)magnitude;
    shift = 40 - __builtin_clzll(magnitude);  /* keeps the top 24 bits */
    kept = magnitude >> shift;
    rest = magnitude & (((uint64_t)1 << shift) - 1);
    half = (uint64_t)1 << (shift - 1);
    if (rest > half || (rest == half && (kept & 1)))
        kept++;
    return ldexpf((float)kept, shift);
}

/*
 * Numbers.  Python's json matches (-?(?:0|[1-9]\d*))(\.\d+)?([eE][-+]?\d+)?
 * and calls float() on it when a fraction or exponent is present, int()
 * otherwise; whatever follows the match (a '.' without a digit, the "1" of
 * "01") is left for the caller to refuse as a missing delimiter.
 */
static const char *scan_number(struct json_scan *scan, const char *p, const char *end, float *value)
{
    const char *start = p;
    const char *digits;
    bool negative = false;
    uint64_t magnitude = 0;
    size_t digit_count;
    double real;

    if (*p == '-') {
        negative = true;
        p++;
        if (p == end || !is_digit(*p)) {
            if (end - p >= 8 && memcmp(p, "Infinity", 8) == 0) {
                scan->seen |= SEEN_FLOAT;
                *value = -INFINITY;
                return p + 8;
            }
            syntax_error(scan, start, "Expecting value");
            return NULL;
        }
    }
    digits = p;
    if (*p == '0') {
        p++;
    } else {
        while (p < end && is_digit(*p) && p - digits < 19)
            magnitude = magnitude * 10 + (uint64_t)(*p++ - '0');
        while (p < end && is_digit(*p))
            p++;
    }
    digit_count = (size_t)(p - digits);
    if (p < end && (*p == '.' || *p == 'e' || *p == 'E')) {
        /* A fraction or exponent follows when it has a digit; then the
         * rest of the number is number_parse's grammar too, so let it do
         * the scanning once. */
        const char *q = p + 1;
        if (*p != '.' && q < end && (*q == '+' || *q == '-'))
            q++;
        if (q < end && is_digit(*q)) {
            const char *after = number_parse_double(start, end, &real);
            if (after == NULL || after <= q) {
                error_set(scan->err, ERR_INTERNAL, "json: number_parse disagrees with the JSON grammar");
                return NULL;
            }
            scan->seen |= SEEN_FLOAT;
            *value = (float)real;
            return after;
        }
    }

    if (digit_count == 20) {
        uint64_t widened;
        if (__builtin_mul_overflow(magnitude, 10, &widened)
            || __builtin_add_overflow(widened, (uint64_t)(digits[19] - '0'), &magnitude))
            digit_count = 21;
    }
    if (digit_count > 20 || (negative && magnitude > (uint64_t)INT64_MAX + 1)) {
        /* Beyond int64 and uint64 numpy keeps the Python int in an object
         * array, and astype calls float() on it: one correct rounding to
         * double.  Past the double range float() raises; not ours. */
        if (number_parse_double(start, p, &real) != p || isinf(real)) {
            declined(scan, "an integer beyond the double range");
            return NULL;
        }
        scan->seen |= SEEN_HUGE;
        *value = (float)real;
        return p;
    }
    if (magnitude > ((uint64_t)1 << 53))
        scan->seen |= SEEN_WIDE_INT;
    scan->seen |= negative || magnitude <= (uint64_t)INT64_MAX ? SEEN_INT64 : SEEN_UINT64;
    *value = scan->ints_via_double ? (float)(double)magnitude : magnitude_to_float(magnitude);
    if (negative && magnitude != 0)  /* int("-0") is 0, not -0.0 */
        *value = -*value;
    return p;
}

/* The end of the JSON number at p ('-' or a digit), "-Infinity" included,
 * or NULL when there is none. */
static const char *skip_number(const char *p, const char *end)
{
    if (*p == '-') {
        p++;
        if (p == end || !is_digit(*p))
            return end - p >= 8 && memcmp(p, "Infinity", 8) == 0 ? p + 8 : NULL;
    }
    if (*p == '0') {
        p++;
    } else {
        while (p < end && is_digit(*p))
            p++;
    }
    if (p + 1 < end && *p == '.' && is_digit(p[1])) {
        p += 2;
        while (p < end && is_digit(*p))
            p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        const char *q = p + 1;
        if (q < end && (*q == '+' || *q == '-'))
            q++;
        if (q < end && is_digit(*q)) {
            p = q + 1;
            while (p < end && is_digit(*p))
                p++;
        }
    }
    return p;
}

static inline bool is_hex(char c)
{
    return is_digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

/* Validates the JSON string whose opening quote is at p as Python's strict
 * json does, and returns the pointer past its closing quote (NULL with a
 * syntax error).  *plain tells whether it had no escapes and only ASCII. */
static const char *scan_string(struct json_scan *scan, const char *p, const char *end, bool *plain)
{
    const char *start = p++;
    *plain = true;
    while (p < end) {
        unsigned char c = (unsigned char)*p;
        if (c == '"')
            return p + 1;
        if (c < 0x20) {
            syntax_error(scan, p, "Invalid control character at");
            return NULL;
        }
        if (c >= 0x80) {
            *plain = false;
        } else if (c == '\\') {
            *plain = false;
            if (p + 1 == end)
                break;
            c = (unsigned char)p[1];
            if (c == 'u') {
                /* Python wants a character after the four digits too. */
                if (end - p < 7 || !is_hex(p[2]) || !is_hex(p[3]) || !is_hex(p[4]) || !is_hex(p[5])) {
                    syntax_error(scan, p + 1, "Invalid \\uXXXX escape");
                    return NULL;
                }
                p += 6;
                continue;
            }
            if (c == '\0' || strchr("\"\\/bfnrt", c) == NULL) {
                syntax_error(scan, p, "Invalid \\escape");
                return NULL;
            }
            p += 2;
            continue;
        }
        p++;
    }
    syntax_error(scan, start, "Unterminated string starting at");
    return NULL;
}

/* A string scalar: numpy casts it with Python's float(), which strips
 * whitespace (only spaces can appear unescaped) and reads the grammar
 * number_parse implements.  Underscores (float("1_0") == 10.0) are declined
 * rather than reimplemented. */
static enum error_code string_value(struct json_scan *scan, const char *first, const char *last,
                                    float *value)
{
    const char *p = first, *q = last;
    double real;
    while (p < q && *p == ' ')
        p++;
    while (q > p && q[-1] == ' ')
        q--;
    if (memchr(p, '_', (size_t)(q - p)) != NULL)
        return declined(scan, "a string with an underscore");
    if (p < q && number_parse_double(p, q, &real) == q) {
        *value = (float)real;
        return OK;
    }
    if (scan->bad_string_index == NO_INDEX) {
        scan->bad_string_index = scan->count;
        scan->bad_string = first;
        scan->bad_string_length = (size_t)(last - first);
    }
    *value = 0.0f;
    return OK;
}

/* Validates any JSON value at p, objects included, without storing it;
 * returns the pointer past it, or NULL with err set. */
static const char *skip_value(struct json_scan *scan, const char *p, const char *end, int nesting)
{
    bool plain;

    if (nesting > JSON_SKIP_DEPTH_MAX) {
        declined(scan, "nesting this deep");
        return NULL;
    }
    if (p == end) {
        syntax_error(scan, p, "Expecting value");
        return NULL;
    }
    switch (*p) {
    case '"':
        return scan_string(scan, p, end, &plain);
    case '{':
        p = skip_whitespace(p + 1, end);
        if (p < end && *p == '}')
            return p + 1;
        for (;;) {
            if (p == end || *p != '"') {
                syntax_error(scan, p, "Expecting property name enclosed in double quotes");
                return NULL;
            }
            if ((p = scan_string(scan, p, end, &plain)) == NULL)
                return NULL;
            p = skip_whitespace(p, end);
            if (p == end || *p != ':') {
                syntax_error(scan, p, "Expecting ':' delimiter");
                return NULL;
            }
            p = skip_whitespace(p + 1, end);
            if ((p = skip_value(scan, p, end, nesting + 1)) == NULL)
                return NULL;
            p = skip_whitespace(p, end);
            if (p < end && *p == '}')
                return p + 1;
            if (p == end || *p != ',') {
                syntax_error(scan, p, "Expecting ',' delimiter");
                return NULL;
            }
            p = skip_whitespace(p + 1, end);
        }
    case '[':
        p = skip_whitespace(p + 1, end);
        if (p < end && *p == ']')
            return p + 1;
        for (;;) {
            if ((p = skip_value(scan, p, end, nesting + 1)) == NULL)
                return NULL;
            p = skip_whitespace(p, end);
            if (p < end && *p == ']')
                return p + 1;
            if (p == end || *p != ',') {
                syntax_error(scan, p, "Expecting ',' delimiter");
                return NULL;
            }
            p = skip_whitespace(p + 1, end);
        }
    case 't':
        if (end - p >= 4 && memcmp(p, "true", 4) == 0)
            return p + 4;
        break;
    case 'f':
        if (end - p >= 5 && memcmp(p, "false", 5) == 0)
            return p + 5;
        break;
    case 'n':
        if (end - p >= 4 && memcmp(p, "null", 4) == 0)
            return p + 4;
        break;
    case 'N':
        if (end - p >= 3 && memcmp(p, "NaN", 3) == 0)
            return p + 3;
        break;
    case 'I':
        if (end - p >= 8 && memcmp(p, "Infinity", 8) == 0)
            return p + 8;
        break;
    default:
        if (*p == '-' || is_digit(*p)) {
            const char *after = skip_number(p, end);
            if (after != NULL)
                return after;
        }
        break;
    }
    syntax_error(scan, p, "Expecting value");
    return NULL;
}

/*
 * The value at p, of the current document, which must end by end.  Returns
 * the pointer past the value or NULL with err set.
 */
static const char *scan_value(struct json_scan *scan, const char *p, const char *end)
{
    int depth = 0;
    float value = 0.0f;
    bool plain;

    for (;;) {
        /* p is where a value must start. */
        if (p == end) {
            syntax_error(scan, p, "Expecting value");
            return NULL;
        }
        switch (*p) {
        case '[':
            if (depth == ARRAY_MAX_DIMS) {
                declined(scan, "more than 32 nested lists");
                return NULL;
            }
            if (scan->ndim >= 0 && depth >= scan->ndim)
                scan->ragged = true;
            scan->commas[depth++] = 0;
            p = skip_whitespace(p + 1, end);
            if (p < end && *p == ']') {
                p++;
                close_list(scan, --depth, 0);
                goto after_value;
            }
            continue;
        case '"': {
            const char *first = p + 1;
            if ((p = scan_string(scan, p, end, &plain)) == NULL)
                return NULL;
            if (!plain) {
                declined(scan, "a string with escapes or non-ASCII characters");
                return NULL;
            }
            if (string_value(scan, first, p - 1, &value) != OK)
                return NULL;
            scan->seen |= SEEN_STRING;
            break;
        }
        case 't':
        case 'f':
            if (end - p >= 4 && memcmp(p, "true", 4) == 0) {
                value = 1.0f;
                p += 4;
            } else if (end - p >= 5 && memcmp(p, "false", 5) == 0) {
                value = 0.0f;
                p += 5;
            } else {
                syntax_error(scan, p, "Expecting value");
                return NULL;
            }
            if (scan->bool_index == NO_INDEX) {
                scan->bool_index = scan->count;
                scan->bool_value = value != 0.0f;
            }
            scan->seen |= SEEN_BOOL;
            break;
        case 'n':
            if (end - p < 4 || memcmp(p, "null", 4) != 0) {
                syntax_error(scan, p, "Expecting value");
                return NULL;
            }
            /* numpy's float setitem turns None into NaN. */
            value = NAN;
            p += 4;
            scan->seen |= SEEN_NULL;
            break;
        case 'N':
            if (end - p < 3 || memcmp(p, "NaN", 3) != 0) {
                syntax_error(scan, p, "Expecting value");
                return NULL;
            }
            value = NAN;
            p += 3;
            scan->seen |= SEEN_FLOAT;
            break;
        case 'I':
            if (end - p < 8 || memcmp(p, "Infinity", 8) != 0) {
                syntax_error(scan, p, "Expecting value");
                return NULL;
            }
            value = INFINITY;
            p += 8;
            scan->seen |= SEEN_FLOAT;
            break;
        case '{':
            if ((p = skip_value(scan, p, end, depth)) == NULL)
                return NULL;
            if (scan->object_index == NO_INDEX)
                scan->object_index = scan->count;
            scan->seen |= SEEN_OBJECT;
            value = 0.0f;
            break;
        default:
            if (*p != '-' && !is_digit(*p)) {
                syntax_error(scan, p, "Expecting value");
                return NULL;
            }
            if ((p = scan_number(scan, p, end, &value)) == NULL)
                return NULL;
            break;
        }
        if (store(scan, depth, value) != OK)
            return NULL;

    after_value:
        /* A value ended at p: close lists until a ',' opens the next value. */
        for (;;) {
            if (depth == 0)
                return p;
            p = skip_whitespace(p, end);
            if (p < end && *p == ',') {
                scan->commas[depth - 1]++;
                p = skip_whitespace(p + 1, end);
                break;
            }
            if (p < end && *p == ']') {
                p++;
                depth--;
                close_list(scan, depth, scan->commas[depth] + 1);
                continue;
            }
            syntax_error(scan, p, "Expecting ',' delimiter");
            return NULL;
        }
    }
}

static void document_reset(struct json_scan *scan, bool ints_via_double)
{
    scan->ndim = -1;
    for (int i = 0; i < scan->levels_used; i++)
        scan->shape[i] = SIZE_MAX;
    scan->levels_used = 0;
    scan->seen = 0;
    scan->ints_via_double = ints_via_double;
    scan->ragged = false;
    scan->object_index = NO_INDEX;
    scan->bool_index = NO_INDEX;
    scan->bool_value = false;
    scan->bad_string_index = NO_INDEX;
    scan->bad_string = NULL;
    scan->bad_string_length = 0;
}

/* One complete JSON text, as json.loads reads it. */
static enum error_code scan_text(struct json_scan *scan)
{
    const char *p = scan->document, *end = scan->document_end;
    if (end - p >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        return syntax_error(scan, p, "Unexpected UTF-8 BOM (decode using utf-8-sig)");
    p = skip_whitespace(p, end);
    if ((p = scan_value(scan, p, end)) == NULL)
        return scan->err->code;
    p = skip_whitespace(p, end);
    if (p != end)
        return syntax_error(scan, p, "Extra data");
    return OK;
}

/*
 * numpy's shape discovery (PyArray_DiscoverDTypeAndShape_Recursive and
 * update_shape in numpy 1.24's array_coercion.c), replayed over text known to
 * be valid JSON, only to word a ragged error as numpy does.
 */
struct discovery {
    int max_dims;
    bool reached;                  /* numpy's MAX_DIMS_WAS_REACHED */
    bool ragged;                   /* numpy's FOUND_RAGGED_ARRAY */
    size_t shape[ARRAY_MAX_DIMS];
};

static bool discovery_update(struct discovery *d, int current, int new_ndim, size_t new_length,
                             bool sequence)
{
    bool success = true;
    bool reached = d->reached;

    if (current + new_ndim > d->max_dims) {
        success = false;
        new_ndim = d->max_dims - current;
    } else if (!sequence && d->max_dims != current + new_ndim) {
        d->max_dims = current + new_ndim;
        if (reached)
            success = false;
    }
    if (new_ndim > 0) {
        if (!reached) {
            d->shape[current] = new_length;
        } else if (new_length != d->shape[current]) {
            success = false;
            d->max_dims = sequence ? current : d->max_dims - new_ndim;
        }
    }
    if (!sequence)
        d->reached = true;
    return success;
}

/* Past a JSON value in valid text; counts a list's elements on the way. */
static const char *skip_valid(const char *p, const char *end, size_t *elements)
{
    int nesting = 0;
    *elements = 0;
    do {
        switch (*p) {
        case '"':
            for (p++; *p != '"'; p++)
                if (*p == '\\')
                    p++;
            p++;
            break;
        case '[':
        case '{':
            if (nesting == 0) {
                const char *q = skip_whitespace(p + 1, end);
                *elements = *q == ']' || *q == '}' ? 0 : 1;
            }
            nesting++;
            p++;
            break;
        case ']':
        case '}':
            nesting--;
            p++;
            break;
        case ',':
            if (nesting == 1)
                ++*elements;
            p++;
            break;
        default:
            if (nesting == 0) {
                while (p < end && *p != ',' && *p != ']' && *p != '}' && *p != ' ' && *p != '\t'
                       && *p != '\n' && *p != '\r')
                    p++;
                return p;
            }
            p++;
            break;
        }
    } while (nesting > 0);
    return p;
}

static const char *discover(struct discovery *d, const char *p, const char *end, int current)
{
    size_t length;
    const char *after = skip_valid(p, end, &length);

    if (*p != '[' || current == d->max_dims) {
        /* A scalar, or a list where numpy stops looking (too deep). */
        discovery_update(d, current, 0, 0, false);
        if (*p == '[')
            d->ragged = true;
        return after;
    }
    if (!discovery_update(d, current, 1, length, true)) {
        d->ragged = true;
        return after;
    }
    if (length == 0) {
        d->reached = true;
        d->max_dims = current + 1;
        return after;
    }
    p = skip_whitespace(p + 1, end);
    for (size_t i = 0; i < length; i++) {
        p = discover(d, p, end, current + 1);
        p = skip_whitespace(p, end);
        p = skip_whitespace(p + 1, end);  /* the ',' or ']' */
    }
    return after;
}

static void ragged_message(struct json_scan *scan, char *message, size_t size)
{
    struct discovery d = {.max_dims = ARRAY_MAX_DIMS};
    size_t used;

    discover(&d, skip_whitespace(scan->document, scan->document_end), scan->document_end, 0);
    if (d.max_dims == ARRAY_MAX_DIMS) {
        snprintf(message, size, "setting an array element with a sequence. The requested array would "
                                "exceed the maximum number of dimension of %d.", ARRAY_MAX_DIMS);
        return;
    }
    /* The detected shape is printed as a Python tuple: (2,) or (2, 3). */
    used = (size_t)snprintf(message, size, "setting an array element with a sequence. The requested "
                            "array has an inhomogeneous shape after %d dimensions. The detected shape "
                            "was (", d.max_dims);
    for (int i = 0; i < d.max_dims && used < size; i++)
        used += (size_t)snprintf(message + used, size - used, "%s%zu", i > 0 ? ", " : "", d.shape[i]);
    if (used < size)
        snprintf(message + used, size - used, "%s) + inhomogeneous part.", d.max_dims == 1 ? "," : "");
}

/* Python's repr() of a str of printable ASCII (the only strings not
 * declined). */
static void python_repr(const char *text, size_t length, char *out, size_t size)
{
    char quote = memchr(text, '\'', length) != NULL && memchr(text, '"', length) == NULL ? '"' : '\'';
    size_t n = 0;
    out[n++] = quote;
    for (size_t i = 0; i < length && n + 6 < size; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c == '\\' || c == (unsigned char)quote) {
            out[n++] = '\\';
            out[n++] = (char)c;
        } else if (c < 0x20 || c == 0x7f) {
            n += (size_t)snprintf(out + n, size - n, "\\x%02x", c);
        } else {
            out[n++] = (char)c;
        }
    }
    out[n++] = quote;
    out[n] = '\0';
}

/* The failures numpy would raise after json.loads succeeded, in its order:
 * the array's shape, then astype over the values in order. */
static enum error_code check_values(struct json_scan *scan)
{
    enum { NONE, OBJECT, STRING, BOOL } which = NONE;
    size_t first = NO_INDEX;
    char detail[360], name[32];

    if (scan->ragged) {
        ragged_message(scan, detail, sizeof detail);
        return error_set(scan->err, ERR_BAD_INPUT, "%s is not a rectangular array: nested lists differ in "
                         "length or depth (ragged), or nest too deeply (%s)",
                         subject(scan, true, name, sizeof name), detail);
    }
    if (scan->object_index != NO_INDEX) {
        first = scan->object_index;
        which = OBJECT;
    }
    if (scan->bad_string_index < first) {
        first = scan->bad_string_index;
        which = STRING;
    }
    /* Without None, dicts or huge ints, strings make a str array, whose
     * astype calls float("True") on the bools. */
    if ((scan->seen & SEEN_STRING) && !(scan->seen & (SEEN_NULL | SEEN_OBJECT | SEEN_HUGE))
        && scan->bool_index < first) {
        first = scan->bool_index;
        which = BOOL;
    }
    switch (which) {
    case OBJECT:
        return error_set(scan->err, ERR_BAD_INPUT, "%s holds a value that is neither a number nor a numeric "
                         "string, such as a JSON object (float() argument must be a string or a real "
                         "number, not 'dict')", subject(scan, true, name, sizeof name));
    case STRING:
        python_repr(scan->bad_string, scan->bad_string_length, detail, sizeof detail);
        break;
    case BOOL:
        python_repr(scan->bool_value ? "True" : "False", scan->bool_value ? 4 : 5, detail, sizeof detail);
        break;
    case NONE:
        return OK;
    }
    return error_set(scan->err, ERR_BAD_INPUT, "%s holds a string that is not a number (could not convert "
                     "string to float: %s)", subject(scan, true, name, sizeof name), detail);
}

/* The dtype numpy.array picks goes through double before float32: all but
 * bools with integers that all fit int64, or all fit uint64 but not int64. */
static bool dtype_is_floating(unsigned seen)
{
    if (seen & (SEEN_FLOAT | SEEN_STRING | SEEN_NULL | SEEN_HUGE | SEEN_OBJECT))
        return true;
    return (seen & SEEN_INT64) && (seen & SEEN_UINT64);
}

/* numpy.array(json.loads(document)).astype(float32) into scan's values,
 * after those of earlier documents.  With list_required, a document that is
 * not a list stops after json.loads with *not_a_list set. */
static enum error_code convert_document(struct json_scan *scan, bool list_required, bool *not_a_list)
{
    size_t first_value = scan->count;
    enum error_code rc;

    for (int pass = 0; pass < 2; pass++) {
        scan->count = first_value;
        document_reset(scan, pass == 1);
        if ((rc = scan_text(scan)) != OK)
            return rc;
        if (list_required && *skip_whitespace(scan->document, scan->document_end) != '[') {
            *not_a_list = true;
            return OK;
        }
        if ((rc = check_values(scan)) != OK)
            return rc;
        if (!(scan->seen & SEEN_WIDE_INT) || !dtype_is_floating(scan->seen))
            break;
    }
    return OK;
}

static void scan_init(struct json_scan *scan, struct error *err)
{
    memset(scan, 0, sizeof *scan);
    scan->err = err;
    scan->levels_used = ARRAY_MAX_DIMS;
    document_reset(scan, false);
}

/* Hands the values over, trimmed, with desc describing float32 in C order. */
static enum error_code finish(struct json_scan *scan, struct array_desc *desc, int ndim,
                              const size_t *shape, float **values)
{
    size_t count = 1;
    float *trimmed;

    desc->kind = ELEMENT_FLOAT;
    desc->itemsize = sizeof(float);
    desc->big_endian = __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__;
    desc->fortran_order = false;
    desc->ndim = ndim;
    for (int i = 0; i < ndim; i++) {
        desc->shape[i] = shape[i];
        count *= shape[i];
    }
    if (count != scan->count) {
        free(scan->values);
        return error_set(scan->err, ERR_INTERNAL, "json: shape holds %zu values, found %zu", count,
                         scan->count);
    }
    if (scan->values == NULL || scan->capacity - count > count / 8 + 64) {
        trimmed = realloc(scan->values, (count ? count : 1) * sizeof(float));
        if (trimmed == NULL && scan->values == NULL)
            return error_set(scan->err, ERR_NOMEM, "json: out of memory");
        if (trimmed != NULL)
            scan->values = trimmed;
    }
    *values = scan->values;
    return OK;
}

enum error_code json_decode_float32(const char *text, size_t length, struct array_desc *desc,
                                    float **values, struct error *err)
{
    struct json_scan scan;
    struct error local;
    enum error_code rc;

    *values = NULL;
    if (err == NULL)
        err = &local;
    error_clear(err);
    if (length == 0)
        return error_set(err, ERR_BAD_INPUT, "the request body is empty; expected a JSON document");
    scan_init(&scan, err);
    scan.document = text;
    scan.document_end = text + length;
    if ((rc = convert_document(&scan, false, NULL)) != OK) {
        free(scan.values);
        return rc;
    }
    return finish(&scan, desc, scan.ndim, scan.shape, values);
}

static const char *json_kind(char first)
{
    switch (first) {
    case '{': return "an object";
    case '"': return "a string";
    case 't':
    case 'f': return "true or false";
    case 'n': return "null";
    }
    return "a number";
}

enum error_code jsonlines_decode_float32(const char *text, size_t length, struct array_desc *desc,
                                         float **values, struct error *err)
{
    struct json_scan scan;
    struct error local;
    const char *line = text, *end = text + length;
    size_t number = 0, rows = 0, width = 0, first_line = 0;
    size_t shape[2];
    enum error_code rc = OK;
    bool last = false;

    *values = NULL;
    if (err == NULL)
        err = &local;
    error_clear(err);
    if (length == 0)
        return error_set(err, ERR_BAD_INPUT, "the request body is empty; expected JSON Lines");
    scan_init(&scan, err);
    /* text.split("\n"): n newlines make n + 1 lines, the last maybe empty. */
    for (; !last && rc == OK; number++) {
        const char *newline = memchr(line, '\n', (size_t)(end - line));
        const char *line_end = newline != NULL ? newline : end;
        const char *p = line;
        bool not_a_list = false;

        last = newline == NULL;
        scan.document = line;
        line = line_end + !last;
        if (line_end > scan.document && line_end[-1] == '\r')
            line_end--;
        scan.document_end = line_end;
        while (p < line_end && (*p == ' ' || *p == '\t'))
            p++;
        if (p == line_end)
            continue;
        scan.line = number + 1;
        if ((rc = convert_document(&scan, true, &not_a_list)) != OK)
            break;
        if (not_a_list)
            rc = error_set(err, ERR_BAD_INPUT, "line %zu: expected a JSON array of numbers, found %s",
                           number + 1, json_kind(*skip_whitespace(scan.document, line_end)));
        else if (scan.ndim != 1)
            rc = error_set(err, ERR_BAD_INPUT, "line %zu: expected a flat JSON array of numbers, found "
                           "nested arrays", number + 1);
        else if (rows > 0 && scan.shape[0] != width)
            rc = error_set(err, ERR_BAD_INPUT, "line %zu: this row has %zu values but line %zu has %zu",
                           number + 1, scan.shape[0], first_line, width);
        if (rows++ == 0) {
            width = scan.shape[0];
            first_line = number + 1;
        }
    }
    if (rc == OK && rows == 0)
        rc = error_set(err, ERR_BAD_INPUT, "the JSON Lines body holds no rows (only blank lines)");
    if (rc != OK) {
        free(scan.values);
        return rc;
    }
    shape[0] = rows;
    shape[1] = width;
    return finish(&scan, desc, 2, shape, values);
}

/*
 * Encoding.
 */

/* Worst case bytes one step of the walk adds: closing brackets, ", ",
 * opening brackets and an element's text. */
#define ELEMENT_ROOM (NUMBER_FORMAT_MAX + 2 + 2 * ARRAY_MAX_DIMS)
#define RESERVE_CHUNK ((size_t)256 * ELEMENT_ROOM)
_Static_assert(ELEMENT_ROOM <= EMITTER_STEP_MAX, "a JSON step must fit the emitter's scratch");

/* Prints one element as json.dumps prints the Python scalar tolist() gives. */
static inline char *print_element(enum element_format format, const unsigned char *p, bool swap, char *out)
{
    char *end = element_print_exact(format, p, swap, "true", "false", out);
    if (end != NULL)
        return end;
    return out + number_format_double_json(element_load_float(format, p, swap), out);
}

/* What the walk over an array needs: element printing and byte strides. */
struct layout {
    enum element_format format;
    bool swap;
    size_t itemsize;
    int ndim;
    const size_t *shape;
    size_t stride[ARRAY_MAX_DIMS];  /* bytes between neighbours along each axis */
};

static enum error_code layout_init(const struct array_desc *desc, struct layout *layout, struct error *err)
{
    size_t count, bytes, step;

    if (desc->ndim < 0 || desc->ndim > ARRAY_MAX_DIMS)
        return error_set(err, ERR_INTERNAL, "json: %d dimensions", desc->ndim);
    if (desc->kind == ELEMENT_COMPLEX)
        return error_set(err, ERR_DECLINED, "json: complex values have no JSON form");
    if (!element_format(desc, &layout->format))
        return error_set(err, ERR_DECLINED, "json: no JSON form for kind %d itemsize %zu", (int)desc->kind,
                         desc->itemsize);
    if (!array_desc_count(desc, &count, &bytes))
        return error_set(err, ERR_TOO_LARGE, "json: array size overflows");
    layout->swap = element_swapped(desc);
    layout->itemsize = desc->itemsize;
    layout->ndim = desc->ndim;
    layout->shape = desc->shape;
    step = desc->itemsize;
    if (desc->fortran_order) {
        for (int i = 0; i < desc->ndim; i++) {
            layout->stride[i] = step;
            step *= desc->shape[i];
        }
    } else {
        for (int i = desc->ndim - 1; i >= 0; i--) {
            layout->stride[i] = step;
            step *= desc->shape[i];
        }
    }
    return OK;
}

/* Prints the subarray at data spanning axes first..ndim-1 as nested lists. */
static enum error_code print_nested(struct emitter *emitter, const struct layout *layout, int first,
                                    const unsigned char *data)
{
    size_t index[ARRAY_MAX_DIMS];
    int dims = layout->ndim - first;
    const size_t *shape = layout->shape + first;
    const size_t *stride = layout->stride + first;
    enum error_code rc;
    bool empty = false;
    int k;

    /* tolist() of an empty array nests lists down to the first zero-length
     * axis, (2, 0, 3) giving [[], []]: walk the axes before it, printing
     * "[]" for each element. */
    for (k = 0; k < dims; k++) {
        if (shape[k] == 0) {
            dims = k;
            empty = true;
            break;
        }
    }
    if ((rc = emitter_begin(emitter)) != OK)
        return rc;
    for (k = 0; k < dims; k++) {
        index[k] = 0;
        *emitter->cursor++ = '[';
    }
    for (;;) {
        if (empty) {
            memcpy(emitter->cursor, "[]", 2);
            emitter->cursor += 2;
        } else {
            emitter->cursor = print_element(layout->format, data, layout->swap, emitter->cursor);
        }
        /* Advance the multi-index in C order, closing finished lists. */
        for (k = dims - 1; k >= 0; k--) {
            if (++index[k] < shape[k]) {
                data += stride[k];
                break;
            }
            data -= stride[k] * (shape[k] - 1);
            index[k] = 0;
            *emitter->cursor++ = ']';
        }
        if (k < 0)
            return emitter_end(emitter);
        *emitter->cursor++ = ',';
        *emitter->cursor++ = ' ';
        for (int open = k + 1; open < dims; open++)
            *emitter->cursor++ = '[';
        if ((rc = emitter_end(emitter)) != OK || (rc = emitter_begin(emitter)) != OK)
            return rc;
    }
}

/* One '\n' after a JSON Lines row. */
static enum error_code print_newline(struct emitter *emitter)
{
    enum error_code rc = emitter_begin(emitter);
    if (rc != OK)
        return rc;
    *emitter->cursor++ = '\n';
    return emitter_end(emitter);
}

enum error_code json_encode(const struct array_desc *desc, const void *data, struct buffer *out,
                            struct error *err)
{
    struct layout layout;
    struct emitter emitter;
    enum error_code rc;

    if ((rc = layout_init(desc, &layout, err)) != OK)
        return rc;
    emitter_init(&emitter, out, ELEMENT_ROOM, RESERVE_CHUNK);
    if ((rc = print_nested(&emitter, &layout, 0, data)) != OK)
        return error_set(err, rc, "json: output over %zu bytes or out of memory", out->max);
    emitter_sync(&emitter);
    return OK;
}

enum error_code jsonlines_encode(const struct array_desc *desc, const void *data, struct buffer *out,
                                 struct error *err)
{
    struct layout layout;
    struct emitter emitter;
    const unsigned char *row = data;
    enum error_code rc;

    if ((rc = layout_init(desc, &layout, err)) != OK)
        return rc;
    emitter_init(&emitter, out, ELEMENT_ROOM, RESERVE_CHUNK);
    if (desc->ndim == 0) {
        if ((rc = print_nested(&emitter, &layout, 0, row)) == OK)
            rc = print_newline(&emitter);
    } else {
        for (size_t i = 0; i < desc->shape[0] && rc == OK; i++, row += layout.stride[0])
            if ((rc = print_nested(&emitter, &layout, 1, row)) == OK)
                rc = print_newline(&emitter);
    }
    if (rc != OK)
        return error_set(err, rc, "jsonlines: output over %zu bytes or out of memory", out->max);
    emitter_sync(&emitter);
    return OK;
}
