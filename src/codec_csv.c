/*
 * codec_csv: numeric CSV to float32 and numpy.savetxt's CSV back, equal to
 * the Python reference (decoders.decode_csv, encoders.encode_csv).
 *
 * The decoder is one pass: each line is found with memchr, and each field is
 * read by number_parse straight from the text, which is then checked to be
 * followed only by spaces/tabs and a ',' or the line's end; only when that
 * fails is the field's extent worked out again, to word the error.  Values
 * go into one growing float array, row after row, so a rectangular body
 * needs no second pass: the first data row fixes the width and every later
 * row is compared with it once it is read (the reference reports a bad field
 * before a wrong field count).  Each value is rounded to double and then to
 * float32, as float() and numpy's astype do.
 *
 * The encoder walks rows and columns of any layout (C or Fortran order,
 * either byte order) and prints each element with number_format's numpy
 * str() straight into the output buffer.
 */
#include "codec_csv.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec_emit.h"
#include "number_format.h"
#include "number_parse.h"

/* The reference shows at most this many characters of a bad field. */
#define CSV_SHOWN_MAX 40

static inline bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

struct csv_values {
    float *data;     /* malloc'd; capacity floats */
    size_t count;
    size_t capacity;
};

static bool values_grow(struct csv_values *values)
{
    size_t capacity = values->capacity ? values->capacity * 2 : 256;
    float *data;
    if (capacity < values->capacity || capacity > SIZE_MAX / sizeof(float))
        return false;
    data = realloc(values->data, capacity * sizeof(float));
    if (data == NULL)
        return false;
    values->data = data;
    values->capacity = capacity;
    return true;
}

/* "line L column C: 'text' is not a number" with Python's repr() of the
 * field (its first CSV_SHOWN_MAX characters and "..."); text holding
 * non-ASCII bytes is declined, since its repr needs Unicode's tables. */
static enum error_code not_a_number(struct error *err, size_t line, size_t column, const char *text,
                                    size_t length)
{
    char shown[4 * CSV_SHOWN_MAX + 8];
    size_t n = 0, used = length > CSV_SHOWN_MAX ? CSV_SHOWN_MAX : length;
    char quote;

    for (size_t i = 0; i < length; i++)
        if ((unsigned char)text[i] >= 0x80)
            return error_set(err, ERR_DECLINED, "csv: line %zu column %zu: a non-ASCII field", line, column);
    quote = memchr(text, '\'', used) != NULL && memchr(text, '"', used) == NULL ? '"' : '\'';
    shown[n++] = quote;
    for (size_t i = 0; i < used; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c == '\\' || c == (unsigned char)quote) {
            shown[n++] = '\\';
            shown[n++] = (char)c;
        } else if (c == '\t') {
            memcpy(shown + n, "\\t", 2);
            n += 2;
        } else if (c == '\r') {
            memcpy(shown + n, "\\r", 2);
            n += 2;
        } else if (c < 0x20 || c == 0x7f) {
            n += (size_t)snprintf(shown + n, sizeof shown - n, "\\x%02x", c);
        } else {
            shown[n++] = (char)c;
        }
    }
    if (length > CSV_SHOWN_MAX) {
        memcpy(shown + n, "...", 3);
        n += 3;
    }
    shown[n++] = quote;
    return error_set(err, ERR_BAD_INPUT, "line %zu column %zu: %.*s is not a number", line, column, (int)n,
                     shown);
}

/* A field's text (spaces/tabs already stripped both sides) must be one
 * number of the reference's CSV_NUMBER grammar, which is number_parse's. */
static enum error_code field_value(struct error *err, size_t line, size_t column, const char *text,
                                   size_t length, float *value)
{
    double real;
    if (length == 0)
        return error_set(err, ERR_BAD_INPUT, "line %zu column %zu: empty field", line, column);
    if (number_parse_double(text, text + length, &real) != text + length)
        return not_a_number(err, line, column, text, length);
    *value = (float)real;
    return OK;
}

/*
 * A quoted field whose opening quote is at *cursor.  Finds its end as the
 * reference does ("" is a literal quote; it must close on its line; only
 * spaces/tabs may follow), leaves *cursor at the ',' or the line's end and
 * converts the text between the quotes.
 */
static enum error_code quoted_field(struct error *err, size_t line, size_t column, const char **cursor,
                                    const char *line_end, float *value)
{
    const char *start = *cursor + 1, *p = start, *close;
    bool doubled = false;
    enum error_code rc;

    for (;;) {
        close = memchr(p, '"', (size_t)(line_end - p));
        if (close == NULL)
            return error_set(err, ERR_BAD_INPUT, "line %zu column %zu: quoted field is not closed on its line",
                             line, column);
        if (close + 1 < line_end && close[1] == '"') {
            doubled = true;
            p = close + 2;
            continue;
        }
        break;
    }
    p = close + 1;
    while (p < line_end && is_blank(*p))
        p++;
    if (p < line_end && *p != ',')
        return error_set(err, ERR_BAD_INPUT, "line %zu column %zu: unexpected text after the closing quote",
                         line, column);
    *cursor = p;

    if (!doubled) {
        const char *first = start, *last = close;
        while (first < last && is_blank(*first))
            first++;
        while (last > first && is_blank(last[-1]))
            last--;
        return field_value(err, line, column, first, (size_t)(last - first), value);
    }
    /* A literal quote is never part of a number: only the message needs
     * the unescaped text. */
    {
        size_t length = 0, size = (size_t)(close - start);
        char *text = malloc(size ? size : 1), *first;
        if (text == NULL)
            return error_set(err, ERR_NOMEM, "csv: out of memory");
        for (p = start; p < close; p++) {
            text[length++] = *p;
            if (*p == '"')
                p++;
        }
        first = text;
        while (length > 0 && is_blank(*first)) {
            first++;
            length--;
        }
        while (length > 0 && is_blank(first[length - 1]))
            length--;
        rc = field_value(err, line, column, first, length, value);
        free(text);
        return rc;
    }
}

enum error_code csv_decode_float32(const char *text, size_t length, struct array_desc *desc,
                                   float **values, struct error *err)
{
    struct csv_values found = {NULL, 0, 0};
    struct error local;
    const char *line = text, *end = text + length;
    size_t number = 0, rows = 0, width = 0, first_line = 0;
    enum error_code rc = OK;
    bool last = false;

    *values = NULL;
    if (err == NULL)
        err = &local;
    error_clear(err);
    if (length == 0)
        return error_set(err, ERR_BAD_INPUT, "the request body is empty; expected CSV");
    if (length >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        line += 3;

    /* text.split("\n"), each line losing one trailing CR. */
    while (!last && rc == OK) {
        const char *newline = memchr(line, '\n', (size_t)(end - line));
        const char *line_end = newline != NULL ? newline : end;
        const char *p = line;
        size_t column = 0;

        number++;
        last = newline == NULL;
        line = line_end + !last;
        if (line_end > p && line_end[-1] == '\r')
            line_end--;
        while (p < line_end && is_blank(*p))
            p++;
        if (p == line_end || *p == '#')
            continue;

        for (;;) {
            float value;
            column++;
            while (p < line_end && is_blank(*p))
                p++;
            if (p < line_end && *p == '"') {
                if ((rc = quoted_field(err, number, column, &p, line_end, &value)) != OK)
                    break;
            } else {
                double real;
                const char *after = number_parse_double(p, line_end, &real);
                const char *q = after;
                if (q != NULL)
                    while (q < line_end && is_blank(*q))
                        q++;
                if (q == NULL || (q < line_end && *q != ',')) {
                    /* Not one number: find the field to say what it is. */
                    const char *comma = memchr(p, ',', (size_t)(line_end - p));
                    const char *field_end = comma != NULL ? comma : line_end;
                    while (field_end > p && is_blank(field_end[-1]))
                        field_end--;
                    rc = field_value(err, number, column, p, (size_t)(field_end - p), &value);
                    if (rc == OK)
                        rc = error_set(err, ERR_INTERNAL, "csv: number_parse disagrees with the grammar");
                    break;
                }
                value = (float)real;
                p = q;
            }
            if (found.count == found.capacity && !values_grow(&found)) {
                rc = error_set(err, ERR_NOMEM, "csv: out of memory for %zu values", found.count);
                break;
            }
            found.data[found.count++] = value;
            if (p >= line_end)
                break;
            p++;  /* past the ',' */
        }
        if (rc != OK)
            break;
        if (rows == 0) {
            width = column;
            first_line = number;
        } else if (column != width) {
            rc = error_set(err, ERR_BAD_INPUT, "line %zu column %zu: this row has %zu fields but line %zu has %zu",
                           number, (column < width ? column : width) + 1, column, first_line, width);
            break;
        }
        rows++;
    }
    if (rc == OK && rows == 0)
        rc = error_set(err, ERR_BAD_INPUT, "the CSV body holds no data rows (only blank or comment lines)");
    if (rc != OK) {
        free(found.data);
        return rc;
    }

    /* numpy.genfromtxt's squeeze. */
    desc->kind = ELEMENT_FLOAT;
    desc->itemsize = sizeof(float);
    desc->big_endian = __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__;
    desc->fortran_order = false;
    if (rows == 1 && width == 1) {
        desc->ndim = 0;
    } else if (rows == 1 || width == 1) {
        desc->ndim = 1;
        desc->shape[0] = rows * width;
    } else {
        desc->ndim = 2;
        desc->shape[0] = rows;
        desc->shape[1] = width;
    }
    if (found.capacity - found.count > found.count / 8 + 64) {
        float *trimmed = realloc(found.data, found.count * sizeof(float));
        if (trimmed != NULL)
            found.data = trimmed;
    }
    *values = found.data;
    return OK;
}

/*
 * Encoding.
 */

/* Worst case bytes per step: an element and its ',' or '\n'. */
#define ELEMENT_ROOM (NUMBER_FORMAT_MAX + 1)
#define RESERVE_CHUNK ((size_t)1024 * ELEMENT_ROOM)

_Static_assert(ELEMENT_ROOM <= EMITTER_STEP_MAX, "a CSV step must fit the emitter's scratch");

/* numpy's str() of one element: what savetxt's '%s' prints. */
static inline char *print_element(enum element_format format, const unsigned char *p, bool swap, char *out)
{
    char *end = element_print_exact(format, p, swap, "True", "False", out);
    if (end != NULL)
        return end;
    /* numpy's str() rounds to the element's own precision. */
    return out + number_format_numpy_str(element_load_float(format, p, swap),
                                         format == FORMAT_FLOAT16 ? 16 : format == FORMAT_FLOAT32 ? 32 : 64, out);
}

/* print_element for `count` elements `stride` bytes apart, each followed by
 * ','.  Inlined once per format below, so each loop has its format fixed. */
static inline char *print_run_as(enum element_format format, const unsigned char *element, size_t stride,
                                 size_t count, bool swap, char *out)
{
    for (size_t k = 0; k < count; k++, element += stride) {
        out = print_element(format, element, swap, out);
        *out++ = ',';
    }
    return out;
}

/* Prints a run with no room checks: the caller made room for count *
 * ELEMENT_ROOM bytes. */
static char *print_run(enum element_format format, const unsigned char *element, size_t stride, size_t count,
                       bool swap, char *out)
{
    switch (format) {
    case FORMAT_BOOL: return print_run_as(FORMAT_BOOL, element, stride, count, swap, out);
    case FORMAT_INT8: return print_run_as(FORMAT_INT8, element, stride, count, swap, out);
    case FORMAT_INT16: return print_run_as(FORMAT_INT16, element, stride, count, swap, out);
    case FORMAT_INT32: return print_run_as(FORMAT_INT32, element, stride, count, swap, out);
    case FORMAT_INT64: return print_run_as(FORMAT_INT64, element, stride, count, swap, out);
    case FORMAT_UINT8: return print_run_as(FORMAT_UINT8, element, stride, count, swap, out);
    case FORMAT_UINT16: return print_run_as(FORMAT_UINT16, element, stride, count, swap, out);
    case FORMAT_UINT32: return print_run_as(FORMAT_UINT32, element, stride, count, swap, out);
    case FORMAT_UINT64: return print_run_as(FORMAT_UINT64, element, stride, count, swap, out);
    case FORMAT_FLOAT16: return print_run_as(FORMAT_FLOAT16, element, stride, count, swap, out);
    case FORMAT_FLOAT32: return print_run_as(FORMAT_FLOAT32, element, stride, count, swap, out);
    case FORMAT_FLOAT64: return print_run_as(FORMAT_FLOAT64, element, stride, count, swap, out);
    }
    return out;
}

/* Makes room for up to `elements` steps (a chunk at most) and sets *fit to
 * how many of them out's capacity now holds for print_run: 0 only near out's
 * maximum, where emitter_begin's scratch path must take over. */
static enum error_code emitter_room(struct emitter *emitter, size_t elements, size_t *fit)
{
    size_t room;
    enum error_code rc;

    if (elements > RESERVE_CHUNK / ELEMENT_ROOM)
        elements = RESERVE_CHUNK / ELEMENT_ROOM;
    room = emitter->cursor != NULL ? (size_t)(emitter->limit - emitter->cursor) / ELEMENT_ROOM : 0;
    if (room < elements) {
        if ((rc = emitter_reserve(emitter, elements * ELEMENT_ROOM)) != OK)
            return rc;
        if (emitter->out->data != NULL)
            room = (size_t)(emitter->limit - emitter->cursor) / ELEMENT_ROOM;
    }
    *fit = room < elements ? room : elements;
    return OK;
}

enum error_code csv_encode(const struct array_desc *desc, const void *data, struct buffer *out,
                           struct error *err)
{
    enum element_format format;
    struct emitter emitter;
    const unsigned char *row = data;
    size_t rows, columns, row_stride, column_stride, count, bytes;
    bool swap;
    enum error_code rc = OK;

    if (desc->ndim > 2) {
        char shape[ARRAY_MAX_DIMS * 22 + 4];
        size_t used = 0;
        for (int i = 0; i < desc->ndim && i < ARRAY_MAX_DIMS; i++)
            used += (size_t)snprintf(shape + used, sizeof shape - used, "%s%zu", i > 0 ? ", " : "",
                                     desc->shape[i]);
        return error_set(err, ERR_NOT_ACCEPTABLE, "text/csv holds 1-D or 2-D arrays, but the prediction has "
                         "shape (%s); ask for application/json or application/x-npy", shape);
    }
    if (desc->ndim < 0)
        return error_set(err, ERR_INTERNAL, "csv: %d dimensions", desc->ndim);
    if (desc->kind == ELEMENT_COMPLEX || !element_format(desc, &format))
        return error_set(err, ERR_DECLINED, "csv: no fast path for kind %d itemsize %zu", (int)desc->kind,
                         desc->itemsize);
    if (!array_desc_count(desc, &count, &bytes))
        return error_set(err, ERR_TOO_LARGE, "csv: array size overflows");
    swap = element_swapped(desc);

    /* savetxt writes a 1-D array as one column; 0-d is one value. */
    rows = desc->ndim >= 1 ? desc->shape[0] : 1;
    columns = desc->ndim == 2 ? desc->shape[1] : 1;
    if (desc->ndim == 2 && desc->fortran_order) {
        row_stride = desc->itemsize;
        column_stride = desc->itemsize * rows;
    } else {
        row_stride = desc->itemsize * columns;
        column_stride = desc->itemsize;
    }

    /* One allocation for the usual size, about 2.5 bytes per element byte
     * plus the ',' (a float32 prints 9 to 12 with it), instead of a chain of
     * doubling reallocs that copy what came before; more still grows. */
    if (count > 0) {
        size_t estimate = (desc->itemsize * 5 + 1) / 2 + 2;
        estimate = count > (out->max - out->length) / estimate ? out->max - out->length : count * estimate;
        if ((rc = buffer_reserve(out, estimate)) != OK)
            return error_set(err, rc, "csv: output over %zu bytes or out of memory", out->max);
    }
    /* Each element is printed with a ',' after it, and a row's last ','
     * becomes its '\n'.  Runs of elements go out without a room check each;
     * only near out's maximum does one element at a time go through
     * emitter_begin's scratch. */
    emitter_init(&emitter, out, ELEMENT_ROOM, RESERVE_CHUNK);
    for (size_t i = 0; i < rows && rc == OK; i++, row += row_stride) {
        const unsigned char *element = row;
        size_t j = 0, fit;
        if (columns == 0) {
            if ((rc = emitter_begin(&emitter)) == OK) {
                *emitter.cursor++ = '\n';
                rc = emitter_end(&emitter);
            }
            continue;
        }
        while (j < columns) {
            if ((rc = emitter_room(&emitter, columns - j, &fit)) != OK)
                break;
            if (fit > 0) {
                emitter.cursor = print_run(format, element, column_stride, fit, swap, emitter.cursor);
                element += fit * column_stride;
                j += fit;
                continue;
            }
            if ((rc = emitter_begin(&emitter)) != OK)
                break;
            emitter.cursor = print_element(format, element, swap, emitter.cursor);
            *emitter.cursor++ = ',';
            if ((rc = emitter_end(&emitter)) != OK)
                break;
            element += column_stride;
            j++;
        }
        if (rc == OK)
            emitter.cursor[-1] = '\n';
    }
    if (rc != OK)
        return error_set(err, rc, "csv: output over %zu bytes or out of memory", out->max);
    emitter_sync(&emitter);
    return OK;
}
