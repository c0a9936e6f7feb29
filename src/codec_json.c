/*
 * codec_json: JSON and JSON Lines to float32 and back, equal to the Python
 * reference (numpy.array(json.loads(text)).astype(float32) one way,
 * json.dumps(x.tolist()) the other).
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
 * Python's own order of failures is kept: a JSON syntax error anywhere wins
 * over ragged lists (numpy never sees the lists), and ragged lists win over
 * values that do not convert (astype never runs).  So the scan notes a ragged
 * shape or a bad value and keeps going to the end of the text.
 *
 * Strings with escapes or non-ASCII bytes (Python's float() accepts Unicode
 * digits and spaces), integers too large for a double, and nesting deeper
 * than numpy's 32 dimensions are declined: the Python default then answers,
 * exactly, for inputs that real clients do not send.
 *
 * Encoding prints straight into the output buffer: the shortest round-trip
 * digits come from number_format, the brackets and ", " separators are
 * json.dumps's, and the array is walked in C order whatever its layout.
 */
#include "codec_json.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "number_format.h"
#include "number_parse.h"

/* Python's json nests deeper than this only to hit its recursion limit;
 * objects are validated (never converted) to this depth, then declined. */
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

struct json_scan {
    const char *document;           /* start of the current JSON text, for error positions */
    float *values;                  /* malloc'd; capacity floats */
    size_t count;                   /* scalars stored so far */
    size_t capacity;
    int ndim;                       /* -1 until a scalar or an empty list fixes it */
    size_t shape[ARRAY_MAX_DIMS];   /* SIZE_MAX until the first list of that level closes */
    size_t commas[ARRAY_MAX_DIMS];  /* commas seen in the open list of each level */
    unsigned seen;                  /* enum seen_flag */
    bool ints_via_double;           /* second pass: numpy's dtype is floating or object */
    int ragged_after;               /* -1, or the dimensions found consistent before ragged lists */
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

/* json.JSONDecodeError's layout: "msg: line L column C (char N)", where N
 * counts characters (not bytes) from the start of the document. */
static enum error_code syntax_error(struct json_scan *scan, const char *at, const char *message)
{
    size_t line = 1, column = 1, character = 0;
    for (const char *p = scan->document; p < at; p++) {
        if (((unsigned char)*p & 0xC0) == 0x80)
            continue;
        character++;
        column++;
        if (*p == '\n') {
            line++;
            column = 1;
        }
    }
    return error_set(scan->err, ERR_BAD_INPUT, "%s: line %zu column %zu (char %zu)", message, line,
                     column, character);
}

static enum error_code declined(struct json_scan *scan, const char *why)
{
    return error_set(scan->err, ERR_DECLINED, "json: %s", why);
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

static void mark_ragged(struct json_scan *scan, int consistent_dimensions)
{
    if (scan->ragged_after < 0)
        scan->ragged_after = consistent_dimensions;
}

/* Stores one scalar found depth lists deep. */
static inline enum error_code store(struct json_scan *scan, int depth, float value)
{
    if (scan->ndim != depth) {
        if (scan->ndim < 0)
            scan->ndim = depth;
        else
            mark_ragged(scan, depth < scan->ndim ? depth : scan->ndim);
    }
    if (scan->count == scan->capacity && !grow(scan))
        return error_set(scan->err, ERR_NOMEM, "json: out of memory for %zu values", scan->count);
    scan->values[scan->count++] = value;
    return OK;
}

/* A list of the given level (0 = outermost) closed holding length values. */
static void close_list(struct json_scan *scan, int level, size_t length)
{
    if (length == 0) {
        /* An empty list is innermost: it has no element dimension. */
        if (scan->ndim < 0)
            scan->ndim = level + 1;
        else if (scan->ndim != level + 1)
            mark_ragged(scan, level);
    }
    if (scan->shape[level] == SIZE_MAX)
        scan->shape[level] = length;
    else if (scan->shape[level] != length)
        mark_ragged(scan, level);
}

/*
 * Numbers.  Python's json matches (-?(?:0|[1-9]\d*))(\.\d+)?([eE][-+]?\d+)?
 * and calls float() on it when a fraction or exponent is present, int()
 * otherwise; anything after the match (a '.' with no digit, "01") is left
 * for the caller to refuse as a missing delimiter.
 */
static const char *scan_number(struct json_scan *scan, const char *p, const char *end, float *value)
{
    const char *start = p;
    const char *digits;
    bool negative = false, fractional = false;
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
    if (p + 1 < end && *p == '.' && is_digit(p[1])) {
        fractional = true;
        p += 2;
        while (p < end && is_digit(*p))
            p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        const char *q = p + 1;
        if (q < end && (*q == '+' || *q == '-'))
            q++;
        if (q < end && is_digit(*q)) {
            fractional = true;
            p = q + 1;
            while (p < end && is_digit(*p))
                p++;
        }
    }
    if (fractional) {
        if (number_parse_double(start, p, &real) != p) {
            error_set(scan->err, ERR_INTERNAL, "json: number scanner disagrees at byte %zu",
                      (size_t)(start - scan->document));
            return NULL;
        }
        scan->seen |= SEEN_FLOAT;
        *value = (float)real;
        return p;
    }

    if (digit_count == 20) {
        uint64_t widened;
        if (__builtin_mul_overflow(magnitude, 10, &widened)
            || __builtin_add_overflow(widened, (uint64_t)(digits[19] - '0'), &magnitude))
            digit_count = 21;
    }
    if (digit_count > 20 || (negative && magnitude > (uint64_t)INT64_MAX + 1)) {
        /* Beyond int64 and uint64: numpy keeps a Python int in an object
         * array and astype calls float() on it, one correct rounding to
         * double (OverflowError past the double range: not ours). */
        if (number_parse_double(start, p, &real) != p || isinf(real)) {
            declined(scan, "integer beyond the double range");
            return NULL;
        }
        scan->seen |= SEEN_HUGE;
        *value = (float)real;
        return p;
    }
    if (magnitude > ((uint64_t)1 << 53))
        scan->seen |= SEEN_WIDE_INT;
    if (negative) {
        int64_t signed_value = magnitude == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)magnitude;
        scan->seen |= SEEN_INT64;
        *value = scan->ints_via_double ? (float)(double)signed_value : (float)signed_value;
    } else if (magnitude <= (uint64_t)INT64_MAX) {
        scan->seen |= SEEN_INT64;
        *value = scan->ints_via_double ? (float)(double)(int64_t)magnitude : (float)(int64_t)magnitude;
    } else {
        scan->seen |= SEEN_UINT64;
        *value = scan->ints_via_double ? (float)(double)magnitude : (float)magnitude;
    }
    return p;
}

/* Validates a JSON string whose opening quote is at p and returns the
 * pointer past its closing quote, or NULL with a syntax error.  Sets
 * *plain when it has no escapes and only ASCII. */
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
                for (int i = 2; i < 6; i++) {
                    if (p + i >= end || !((p[i] >= '0' && p[i] <= '9') || ((p[i] | 0x20) >= 'a'
                                                                            && (p[i] | 0x20) <= 'f'))) {
                        syntax_error(scan, p, "Invalid \\uXXXX escape");
                        return NULL;
                    }
                }
                p += 6;
                continue;
            }
            if (strchr("\"\\/bfnrt", c) == NULL || c == '\0') {
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
 * whitespace and reads the grammar number_parse implements.  Underscores
 * (float("1_0") == 10.0) are declined rather than reimplemented. */
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
        return declined(scan, "string with an underscore");
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

/* Validates any JSON value at p (objects included) without storing it;
 * returns the pointer past it or NULL with err set. */
static const char *skip_value(struct json_scan *scan, const char *p, const char *end, int nesting)
{
    bool plain;

    if (nesting > JSON_SKIP_DEPTH_MAX) {
        declined(scan, "nesting deeper than the fast path follows");
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
            if (after == NULL)
                break;
            return after;
        }
        break;
    }
    syntax_error(scan, p, "Expecting value");
    return NULL;
}

/*
 * One JSON text at [p, end) whose top-level value sits base lists deep (0 for
 * a JSON body, 1 for a JSON Lines line, whose rows form an implicit list).
 * Returns the pointer past the value (trailing whitespace is the caller's)
 * or NULL with err set.
 */
static const char *scan_document(struct json_scan *scan, const char *p, const char *end, int base)
{
    int depth = base;
    float value = 0.0f;
    bool plain;

    p = skip_whitespace(p, end);
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
                mark_ragged(scan, scan->ndim);
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
                declined(scan, "string with escapes or non-ASCII characters");
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
            if (depth == base)
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

static void scan_init(struct json_scan *scan, const char *text, bool ints_via_double, struct error *err)
{
    scan->document = text;
    scan->values = NULL;
    scan->count = 0;
    scan->capacity = 0;
    scan->ndim = -1;
    for (int i = 0; i < ARRAY_MAX_DIMS; i++)
        scan->shape[i] = SIZE_MAX;
    scan->seen = 0;
    scan->ints_via_double = ints_via_double;
    scan->ragged_after = -1;
    scan->object_index = NO_INDEX;
    scan->bool_index = NO_INDEX;
    scan->bool_value = false;
    scan->bad_string_index = NO_INDEX;
    scan->bad_string = NULL;
    scan->bad_string_length = 0;
    scan->err = err;
}

/* The dtype numpy.array would pick goes through double before float32:
 * anything but bools and integers that all fit int64, or all uint64. */
static bool dtype_is_floating(unsigned seen)
{
    if (seen & (SEEN_FLOAT | SEEN_STRING | SEEN_NULL | SEEN_HUGE | SEEN_OBJECT))
        return true;
    return (seen & SEEN_INT64) && (seen & SEEN_UINT64);
}

/* Python's repr() of a printable ASCII str. */
static enum error_code string_error(struct json_scan *scan, const char *text, size_t length)
{
    char quote = memchr(text, '\'', length) != NULL && memchr(text, '"', length) == NULL ? '"' : '\'';
    char shown[200];
    size_t n = 0;
    for (size_t i = 0; i < length && n + 5 < sizeof shown; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c == '\\' || c == (unsigned char)quote) {
            shown[n++] = '\\';
            shown[n++] = (char)c;
        } else if (c == 0x7f) {
            memcpy(shown + n, "\\x7f", 4);
            n += 4;
        } else {
            shown[n++] = (char)c;
        }
    }
    return error_set(scan->err, ERR_BAD_INPUT, "could not convert string to float: %c%.*s%s%c", quote,
                     (int)n, shown, n < length ? "..." : "", quote);
}

/* The failures numpy would raise after parsing, in its order. */
static enum error_code check_values(struct json_scan *scan)
{
    size_t first = NO_INDEX;
    enum { NONE, OBJECT, STRING, BOOL } which = NONE;

    if (scan->ragged_after >= 0)
        return error_set(scan->err, ERR_BAD_INPUT,
                         "setting an array element with a sequence. The requested array has an "
                         "inhomogeneous shape after %d dimensions.", scan->ragged_after);
    if (scan->object_index != NO_INDEX) {
        first = scan->object_index;
        which = OBJECT;
    }
    if (scan->bad_string_index < first) {
        first = scan->bad_string_index;
        which = STRING;
    }
    /* Without None, objects or huge ints, strings make a str array, whose
     * astype calls float("True") on the bools. */
    if ((scan->seen & SEEN_STRING) && !(scan->seen & (SEEN_NULL | SEEN_OBJECT | SEEN_HUGE))
        && scan->bool_index < first) {
        first = scan->bool_index;
        which = BOOL;
    }
    switch (which) {
    case OBJECT:
        return error_set(scan->err, ERR_BAD_INPUT,
                         "float() argument must be a string or a real number, not 'dict'");
    case STRING:
        return string_error(scan, scan->bad_string, scan->bad_string_length);
    case BOOL:
        return string_error(scan, scan->bool_value ? "True" : "False", scan->bool_value ? 4 : 5);
    case NONE:
        break;
    }
    return OK;
}

static enum error_code finish(struct json_scan *scan, struct array_desc *desc, float **values)
{
    size_t count = 1;
    float *shrunk;

    desc->kind = ELEMENT_FLOAT;
    desc->itemsize = sizeof(float);
    desc->big_endian = __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__;
    desc->fortran_order = false;
    desc->ndim = scan->ndim;
    for (int i = 0; i < scan->ndim; i++) {
        desc->shape[i] = scan->shape[i];
        count *= scan->shape[i];
    }
    if (count != scan->count) {
        free(scan->values);
        return error_set(scan->err, ERR_INTERNAL, "json: shape holds %zu values, found %zu", count,
                         scan->count);
    }
    if (scan->capacity == 0 || scan->capacity - count > count / 8 + 64) {
        shrunk = realloc(scan->values, (count ? count : 1) * sizeof(float));
        if (shrunk == NULL && scan->values == NULL) {
            return error_set(scan->err, ERR_NOMEM, "json: out of memory");
        }
        if (shrunk != NULL)
            scan->values = shrunk;
    }
    *values = scan->values;
    scan->values = NULL;
    return OK;
}

/* Runs fn over the text once, and again with integers widened to double
 * when the first pass shows numpy would have done that and it matters. */
typedef const char *(*scan_function)(struct json_scan *scan, const char *text, const char *end);

static enum error_code decode(scan_function fn, const char *text, size_t length, struct array_desc *desc,
                              float **values, struct error *err)
{
    struct json_scan scan;
    struct error local;
    enum error_code rc;

    if (err == NULL)
        err = &local;
    *values = NULL;
    for (int pass = 0; pass < 2; pass++) {
        scan_init(&scan, text, pass == 1, err);
        error_clear(err);
        if (fn(&scan, text, text + length) == NULL) {
            free(scan.values);
            return err->code != OK ? err->code : ERR_INTERNAL;
        }
        if ((rc = check_values(&scan)) != OK) {
            free(scan.values);
            return rc;
        }
        if (pass == 1 || !(scan.seen & SEEN_WIDE_INT) || !dtype_is_floating(scan.seen))
            break;
        free(scan.values);
    }
    return finish(&scan, desc, values);
}

static const char *scan_json(struct json_scan *scan, const char *text, const char *end)
{
    const char *p = scan_document(scan, text, end, 0);
    if (p == NULL)
        return NULL;
    p = skip_whitespace(p, end);
    if (p != end) {
        syntax_error(scan, p, "Extra data");
        return NULL;
    }
    return p;
}

enum error_code json_decode_float32(const char *text, size_t length, struct array_desc *desc,
                                    float **values, struct error *err)
{
    return decode(scan_json, text, length, desc, values, err);
}

/* JSON Lines: placeholder semantics until the Python reference settles:
 * numpy.array([json.loads(line) for line in lines if line.strip()]). */
static const char *scan_jsonlines(struct json_scan *scan, const char *text, const char *end)
{
    const char *line = text;
    size_t rows = 0;

    while (line < end) {
        const char *newline = memchr(line, '\n', (size_t)(end - line));
        const char *line_end = newline != NULL ? newline : end;
        const char *p = skip_whitespace(line, line_end);
        if (p < line_end) {
            scan->document = line;
            p = scan_document(scan, p, line_end, 1);
            if (p == NULL)
                return NULL;
            p = skip_whitespace(p, line_end);
            if (p != line_end) {
                syntax_error(scan, p, "Extra data");
                return NULL;
            }
            rows++;
        }
        line = newline != NULL ? newline + 1 : end;
    }
    if (rows == 0 && scan->ndim < 0)
        scan->ndim = 1;
    close_list(scan, 0, rows);
    return end;
}

enum error_code jsonlines_decode_float32(const char *text, size_t length, struct array_desc *desc,
                                         float **values, struct error *err)
{
    return decode(scan_jsonlines, text, length, desc, values, err);
}

/*
 * Encoding.
 */

/* Worst case bytes one step of the walk adds: closing brackets, ", ",
 * opening brackets and an element's text. */
#define ELEMENT_ROOM (NUMBER_FORMAT_MAX + 2 + 2 * ARRAY_MAX_DIMS)
#define RESERVE_CHUNK ((size_t)256 * ELEMENT_ROOM)

/* Prints straight into out's spare capacity, growing it a chunk at a time.
 * Near out's maximum, where a chunk (or even ELEMENT_ROOM) would overshoot,
 * a step is printed into scratch and copied if it fits, so an output that
 * fits the maximum is never refused. */
struct emitter {
    struct buffer *out;
    char *cursor;               /* where the next byte goes */
    char *limit;                /* end of out's capacity */
    char *saved;                /* the real cursor while printing into scratch */
    bool in_scratch;
    char scratch[ELEMENT_ROOM];
};

static void emitter_init(struct emitter *emitter, struct buffer *out)
{
    emitter->out = out;
    emitter->cursor = out->data != NULL ? out->data + out->length : NULL;
    emitter->limit = out->data != NULL ? out->data + out->capacity : NULL;
    emitter->saved = NULL;
    emitter->in_scratch = false;
}

static void emitter_sync(struct emitter *emitter)
{
    if (emitter->out->data != NULL)
        emitter->out->length = (size_t)(emitter->cursor - emitter->out->data);
}

/* Call before printing at most ELEMENT_ROOM bytes. */
static inline enum error_code emitter_begin(struct emitter *emitter)
{
    struct buffer *out = emitter->out;
    size_t want = RESERVE_CHUNK;
    enum error_code rc;

    if (emitter->cursor != NULL && (size_t)(emitter->limit - emitter->cursor) >= ELEMENT_ROOM)
        return OK;
    emitter_sync(emitter);
    if (want > out->max - out->length)
        want = out->max - out->length;
    if ((rc = buffer_reserve(out, want)) != OK)
        return rc;
    if (out->data != NULL) {
        emitter->cursor = out->data + out->length;
        emitter->limit = out->data + out->capacity;
        if ((size_t)(emitter->limit - emitter->cursor) >= ELEMENT_ROOM)
            return OK;
    }
    emitter->saved = emitter->cursor;
    emitter->cursor = emitter->scratch;
    emitter->in_scratch = true;
    return OK;
}

/* Call after the bytes begin made room for. */
static inline enum error_code emitter_end(struct emitter *emitter)
{
    size_t length, room;
    if (!emitter->in_scratch)
        return OK;
    length = (size_t)(emitter->cursor - emitter->scratch);
    room = emitter->saved != NULL ? (size_t)(emitter->limit - emitter->saved) : 0;
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

enum element_format {
    FORMAT_BOOL,
    FORMAT_INT8, FORMAT_INT16, FORMAT_INT32, FORMAT_INT64,
    FORMAT_UINT8, FORMAT_UINT16, FORMAT_UINT32, FORMAT_UINT64,
    FORMAT_FLOAT16, FORMAT_FLOAT32, FORMAT_FLOAT64
};

static bool element_format(const struct array_desc *desc, enum element_format *format)
{
    switch (desc->kind) {
    case ELEMENT_BOOL:
        *format = FORMAT_BOOL;
        return desc->itemsize == 1;
    case ELEMENT_INT:
    case ELEMENT_UINT: {
        int base = desc->kind == ELEMENT_INT ? FORMAT_INT8 : FORMAT_UINT8;
        switch (desc->itemsize) {
        case 1: *format = (enum element_format)base; return true;
        case 2: *format = (enum element_format)(base + 1); return true;
        case 4: *format = (enum element_format)(base + 2); return true;
        case 8: *format = (enum element_format)(base + 3); return true;
        }
        return false;
    }
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

static inline uint64_t load_bits(const unsigned char *p, size_t size, bool swap)
{
    uint8_t u8;
    uint16_t u16;
    uint32_t u32;
    uint64_t u64;
    switch (size) {
    case 1:
        u8 = *p;
        return u8;
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

static inline double half_to_double(uint16_t half)
{
    unsigned exponent = (half >> 10) & 0x1F, mantissa = half & 0x3FF;
    double magnitude;
    if (exponent == 0)
        magnitude = mantissa * 0x1p-24;
    else if (exponent == 31)
        magnitude = mantissa ? NAN : INFINITY;
    else
        magnitude = (double)(mantissa | 0x400) * ldexp(1.0, (int)exponent - 25);
    return (half & 0x8000) ? -magnitude : magnitude;
}

/* Prints one element as json.dumps prints the Python scalar tolist() gives. */
static inline char *print_element(enum element_format format, const unsigned char *p, bool swap, char *out)
{
    uint64_t bits;
    float single;
    double real;
    switch (format) {
    case FORMAT_BOOL:
        if (*p) {
            memcpy(out, "true", 4);
            return out + 4;
        }
        memcpy(out, "false", 5);
        return out + 5;
    case FORMAT_INT8:
        return out + number_format_int64((int8_t)*p, out);
    case FORMAT_INT16:
        return out + number_format_int64((int16_t)load_bits(p, 2, swap), out);
    case FORMAT_INT32:
        return out + number_format_int64((int32_t)load_bits(p, 4, swap), out);
    case FORMAT_INT64:
        return out + number_format_int64((int64_t)load_bits(p, 8, swap), out);
    case FORMAT_UINT8:
        return out + number_format_uint64(*p, out);
    case FORMAT_UINT16:
        return out + number_format_uint64(load_bits(p, 2, swap), out);
    case FORMAT_UINT32:
        return out + number_format_uint64(load_bits(p, 4, swap), out);
    case FORMAT_UINT64:
        return out + number_format_uint64(load_bits(p, 8, swap), out);
    case FORMAT_FLOAT16:
        return out + number_format_double_json(half_to_double((uint16_t)load_bits(p, 2, swap)), out);
    case FORMAT_FLOAT32: {
        uint32_t word = (uint32_t)load_bits(p, 4, swap);
        memcpy(&single, &word, 4);
        return out + number_format_double_json(single, out);
    }
    case FORMAT_FLOAT64:
        bits = load_bits(p, 8, swap);
        memcpy(&real, &bits, 8);
        return out + number_format_double_json(real, out);
    }
    return out;
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
    layout->swap = desc->itemsize > 1 && desc->big_endian != (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__);
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
    emitter_init(&emitter, out);
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
    emitter_init(&emitter, out);
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
