/*
 * fixture_cases: the data-driven half of the text codecs' Check suites (see
 * fixture_cases.h).  Values are compared as float32 bit patterns, so a NaN's
 * sign or a -0.0 that differs from the reference fails too.
 */
#include "fixture_cases.h"

#include <check.h>
#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The file's bytes, NUL-terminated (not counted in *length); NULL if absent. */
char *fixture_read_file(const char *path, size_t *length)
{
    FILE *file = fopen(path, "rb");
    char *data;
    long size;
    if (file == NULL)
        return NULL;
    fseek(file, 0, SEEK_END);
    size = ftell(file);
    rewind(file);
    data = malloc((size_t)size + 1);
    ck_assert_ptr_nonnull(data);
    ck_assert_uint_eq(fread(data, 1, (size_t)size, file), (size_t)size);
    fclose(file);
    data[size] = '\0';
    *length = (size_t)size;
    return data;
}

/* "(2, 3)", "(2,3)", "(3,)" or "()" into desc's shape; returns past it. */
static const char *parse_shape(const char *text, struct array_desc *desc)
{
    char *end;
    ck_assert_int_eq(*text, '(');
    text++;
    desc->ndim = 0;
    while (*text != ')') {
        ck_assert_int_lt(desc->ndim, ARRAY_MAX_DIMS);
        desc->shape[desc->ndim++] = strtoull(text, &end, 10);
        ck_assert_ptr_ne(end, text);
        text = end;
        if (*text == ',')
            text++;
        while (*text == ' ')
            text++;
    }
    return text + 1;
}

static bool same_shape(const struct array_desc *a, const struct array_desc *b)
{
    if (a->ndim != b->ndim)
        return false;
    for (int i = 0; i < a->ndim; i++)
        if (a->shape[i] != b->shape[i])
            return false;
    return true;
}

/* Decoded float32 values against expected bit patterns (NaN sign and all). */
static bool same_values(const float *values, const uint32_t *expected, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        uint32_t bits;
        memcpy(&bits, &values[i], 4);
        if (bits != expected[i])
            return false;
    }
    return true;
}

static size_t element_count(const struct array_desc *desc)
{
    struct array_desc shape = *desc;
    size_t count, bytes;
    shape.itemsize = 1;
    ck_assert(array_desc_count(&shape, &count, &bytes));
    return count;
}


/* Runs one fixture directory (valid/NAME, invalid/NAME or declined/NAME). */
static bool check_case(fixture_decoder fn, const char *kind, const char *directory)
{
    char path[1100];
    size_t length, expected_length;
    char *input, *expected;
    struct array_desc desc, want;
    struct error err;
    float *values = NULL;
    enum error_code rc;
    bool ok = true;

    snprintf(path, sizeof path, "%s/input", directory);
    input = fixture_read_file(path, &length);
    ck_assert_msg(input != NULL, "missing %s", path);
    rc = fn(input, length, &desc, &values, &err);
    if (strcmp(kind, "declined") == 0) {
        ok = rc == ERR_DECLINED && values == NULL;
        if (!ok)
            fprintf(stderr, "%s: expected ERR_DECLINED, got %d (%s)\n", directory, rc, err.message);
    } else if (strcmp(kind, "invalid") == 0) {
        snprintf(path, sizeof path, "%s/error", directory);
        expected = fixture_read_file(path, &expected_length);
        ck_assert_msg(expected != NULL, "missing %s", path);
        if (expected_length > 0 && expected[expected_length - 1] == '\n')
            expected[--expected_length] = '\0';
        ok = rc == ERR_BAD_INPUT && values == NULL && strcmp(err.message, expected) == 0;
        if (!ok)
            fprintf(stderr, "%s: expected ERR_BAD_INPUT \"%s\", got %d \"%s\"\n", directory, expected, rc,
                    err.message);
        free(expected);
    } else {
        snprintf(path, sizeof path, "%s/expected", directory);
        expected = fixture_read_file(path, &expected_length);
        ck_assert_msg(expected != NULL, "missing %s", path);
        if (rc != OK) {
            fprintf(stderr, "%s: expected OK, got %d (%s)\n", directory, rc, err.message);
            ok = false;
        } else {
            const char *line = parse_shape(expected, &want);
            size_t count = element_count(&want);
            uint32_t *bits = malloc((count ? count : 1) * sizeof *bits);
            for (size_t i = 0; i < count; i++) {
                line = strchr(line, '\n') + 1;
                bits[i] = (uint32_t)strtoul(line, NULL, 16);
            }
            ok = same_shape(&desc, &want) && desc.kind == ELEMENT_FLOAT && desc.itemsize == 4
                 && !desc.fortran_order && values != NULL && same_values(values, bits, count);
            if (!ok)
                fprintf(stderr, "%s: decoded values or shape differ\n", directory);
            free(bits);
        }
        free(expected);
    }
    free(values);
    free(input);
    return ok;
}

void fixture_run_directories(fixture_decoder fn, const char *root, const char *kind)
{
    char directory[512];
    struct dirent *entry;
    DIR *listing;
    int cases = 0, failures = 0;

    snprintf(directory, sizeof directory, "%s/%s", root, kind);
    listing = opendir(directory);
    ck_assert_msg(listing != NULL, "no fixtures at %s", directory);
    while ((entry = readdir(listing)) != NULL) {
        char path[1024];
        if (entry->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", directory, entry->d_name);
        cases++;
        if (!check_case(fn, kind, path))
            failures++;
    }
    closedir(listing);
    ck_assert_int_gt(cases, 0);
    ck_assert_msg(failures == 0, "%d of %d %s cases failed (see stderr)", failures, cases, directory);
}

/*
 * generated.cases: see gen_text_cases.py for the record layout.
 */


static const char *next_line(const char **cursor)
{
    const char *line = *cursor;
    const char *newline = strchr(line, '\n');
    ck_assert_ptr_nonnull(newline);
    *cursor = newline + 1;
    return line;
}

static bool parse_dtype(const char *text, struct array_desc *desc)
{
    desc->big_endian = text[0] == '>';
    switch (text[1]) {
    case 'b': desc->kind = ELEMENT_BOOL; break;
    case 'i': desc->kind = ELEMENT_INT; break;
    case 'u': desc->kind = ELEMENT_UINT; break;
    case 'f': desc->kind = ELEMENT_FLOAT; break;
    case 'c': desc->kind = ELEMENT_COMPLEX; break;
    default: return false;
    }
    desc->itemsize = strtoul(text + 2, NULL, 10);
    return true;
}

static unsigned char *parse_hex(const char *text, size_t *length)
{
    size_t n = strcspn(text, " \n");
    unsigned char *data = malloc(n / 2 + 1);
    if (n == 1 && text[0] == '-')
        n = 0;
    for (size_t i = 0; i < n / 2; i++) {
        unsigned int byte;
        sscanf(text + 2 * i, "%2x", &byte);
        data[i] = (unsigned char)byte;
    }
    *length = n / 2;
    return data;
}

/* The mode a record names; fails the test on a mode the suite has not. */
static const struct fixture_mode *find_mode(const char *name, const struct fixture_mode *modes, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(modes[i].name, name) == 0)
            return &modes[i];
    ck_abort_msg("generated.cases names mode \"%s\", which this suite does not run", name);
    return NULL;
}

/* One decode record at *cursor; true when C and the reference agree. */
static bool generated_decode(const char **cursor, long record, const struct fixture_mode *modes,
                             size_t mode_count)
{
    char mode[16];
    size_t length;
    const char *header = next_line(cursor), *body = *cursor, *result;
    struct array_desc desc, want;
    struct error err;
    float *values = NULL;
    enum error_code rc;
    bool ok;

    ck_assert_int_eq(sscanf(header, "decode %15s %zu", mode, &length), 2);
    *cursor = body + length + 1;
    result = next_line(cursor);
    rc = find_mode(mode, modes, mode_count)->decode(body, length, &desc, &values, &err);
    if (strncmp(result, "error ", 6) == 0) {
        size_t message_length = strtoul(result + 6, NULL, 10);
        const char *message = *cursor;
        *cursor = message + message_length + 1;
        ok = rc == ERR_BAD_INPUT && strlen(err.message) == message_length
             && memcmp(err.message, message, message_length) == 0;
        if (!ok)
            fprintf(stderr, "record %ld (%s %.*s): expected \"%.*s\", got %d \"%s\"\n", record, mode,
                    (int)(length > 200 ? 200 : length), body, (int)message_length, message, rc, err.message);
    } else {
        const char *p = parse_shape(result + 3, &want);
        size_t count = element_count(&want);
        uint32_t *bits = malloc((count ? count : 1) * sizeof *bits);
        char *end;
        for (size_t i = 0; i < count; i++) {
            bits[i] = (uint32_t)strtoul(p, &end, 16);
            p = end;
        }
        ok = rc == OK && same_shape(&desc, &want) && same_values(values, bits, count);
        if (!ok)
            fprintf(stderr, "record %ld (%s %.*s): expected %s, got %d \"%s\"\n", record, mode,
                    (int)(length > 200 ? 200 : length), body, rc == OK ? "other values" : "OK", rc,
                    rc == OK ? "" : err.message);
        free(bits);
    }
    free(values);
    return ok;
}

/* One encode record at *cursor; true when C and the reference agree. */
static bool generated_encode(const char **cursor, long record, const struct fixture_mode *modes,
                             size_t mode_count)
{
    char mode[16], dtype[8], order[4], shape[128];
    const char *header = next_line(cursor), *result = next_line(cursor);
    struct array_desc desc;
    struct buffer out;
    struct error err;
    unsigned char *data;
    size_t data_length;
    enum error_code rc;
    bool ok;
    int consumed;

    ck_assert_int_eq(sscanf(header, "encode %15s %7s %3s %127s %n", mode, dtype, order, shape, &consumed), 4);
    ck_assert(parse_dtype(dtype, &desc));
    desc.fortran_order = order[0] == 'F';
    parse_shape(shape, &desc);
    data = parse_hex(header + consumed, &data_length);
    buffer_init(&out, (size_t)1 << 30);
    rc = find_mode(mode, modes, mode_count)->encode(&desc, data, &out, &err);
    if (strncmp(result, "error ", 6) == 0) {
        ok = rc == ERR_NOT_ACCEPTABLE;
    } else {
        size_t length = strtoul(result + 3, NULL, 10);
        const char *expected = *cursor;
        *cursor = expected + length + 1;
        ok = rc == OK && out.length == length && (length == 0 || memcmp(out.data, expected, length) == 0);
        if (!ok)
            fprintf(stderr, "record %ld (%s): expected \"%.*s\", got %d \"%.*s\"\n", record, header,
                    (int)length, expected, rc, (int)out.length, out.data ? out.data : "");
    }
    buffer_free(&out);
    free(data);
    return ok;
}

void fixture_run_generated(const char *path, const struct fixture_mode *modes, size_t mode_count)
{
    size_t length;
    char *text = fixture_read_file(path, &length);
    const char *cursor = text;
    long records = 0, failures = 0, decodes = 0;

    ck_assert_msg(text != NULL, "no %s: run tests/unit/gen_text_cases.py", path);
    while (cursor < text + length) {
        bool ok;
        if (strncmp(cursor, "decode ", 7) == 0) {
            ok = generated_decode(&cursor, records, modes, mode_count);
            decodes++;
        } else {
            ck_assert_msg(strncmp(cursor, "encode ", 7) == 0, "bad record %ld", records);
            ok = generated_encode(&cursor, records, modes, mode_count);
        }
        records++;
        if (!ok)
            failures++;
    }
    free(text);
    ck_assert_int_gt(decodes, 1000);
    ck_assert_int_gt(records - decodes, 1000);
    ck_assert_msg(failures == 0, "%ld of %ld generated cases failed (see stderr)", failures, records);
}

enum error_code fixture_encode_to(fixture_encoder fn, const struct array_desc *desc, const void *data,
                                  size_t max, const char *text)
{
    struct buffer out;
    struct error err;
    enum error_code rc;
    buffer_init(&out, max);
    rc = fn(desc, data, &out, &err);
    if (rc == OK) {
        ck_assert_msg(out.length == strlen(text) && (out.length == 0 || memcmp(out.data, text, out.length) == 0),
                      "got \"%.*s\", expected \"%s\"", (int)out.length, out.data ? out.data : "", text);
    } else {
        ck_assert_ptr_null(out.data);
        ck_assert_uint_eq(out.length, 0);
    }
    buffer_free(&out);
    return rc;
}

void fixture_check_exact_maximum(fixture_encoder fn, const struct array_desc *desc, const void *data,
                                 size_t small)
{
    struct buffer out;
    struct error err;
    char *text;
    size_t length;

    buffer_init(&out, SIZE_MAX);
    ck_assert_int_eq(fn(desc, data, &out, &err), OK);
    text = buffer_take(&out, &length);
    text = realloc(text, length + 1);
    text[length] = '\0';
    ck_assert_int_eq(fixture_encode_to(fn, desc, data, length, text), OK);
    ck_assert_int_eq(fixture_encode_to(fn, desc, data, length - 1, text), ERR_TOO_LARGE);
    ck_assert_int_eq(fixture_encode_to(fn, desc, data, small, text), ERR_TOO_LARGE);
    free(text);
}
