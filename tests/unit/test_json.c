/*
 * codec_json: the hand-made fixtures (fixtures/json/{valid,invalid,declined}
 * and fixtures/json/lines/...), the random cases gen_text_cases.py took from
 * the Python reference (fixtures/json/generated.cases), and the API's edges:
 * layouts, empty shapes, buffer limits, locale.
 */
#include <check.h>
#include <dirent.h>
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec_json.h"

#ifndef FIXTURES_DIR
#define FIXTURES_DIR "tests/unit/fixtures"
#endif

typedef enum error_code (*decoder)(const char *, size_t, struct array_desc *, float **, struct error *);
typedef enum error_code (*encoder)(const struct array_desc *, const void *, struct buffer *, struct error *);

/* The file's bytes, NUL-terminated (not counted in *length); NULL if absent. */
static char *read_file(const char *path, size_t *length)
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
static bool check_case(decoder fn, const char *kind, const char *directory)
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
    input = read_file(path, &length);
    ck_assert_msg(input != NULL, "missing %s", path);
    rc = fn(input, length, &desc, &values, &err);
    if (strcmp(kind, "declined") == 0) {
        ok = rc == ERR_DECLINED && values == NULL;
        if (!ok)
            fprintf(stderr, "%s: expected ERR_DECLINED, got %d (%s)\n", directory, rc, err.message);
    } else if (strcmp(kind, "invalid") == 0) {
        snprintf(path, sizeof path, "%s/error", directory);
        expected = read_file(path, &expected_length);
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
        expected = read_file(path, &expected_length);
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

/* Every case under root/kind; fails unless all pass and there are some. */
static void run_fixtures(decoder fn, const char *root, const char *kind)
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

START_TEST(json_valid_fixtures)
{
    run_fixtures(json_decode_float32, FIXTURES_DIR "/json", "valid");
}
END_TEST

START_TEST(json_invalid_fixtures)
{
    run_fixtures(json_decode_float32, FIXTURES_DIR "/json", "invalid");
}
END_TEST

START_TEST(json_declined_fixtures)
{
    run_fixtures(json_decode_float32, FIXTURES_DIR "/json", "declined");
}
END_TEST

START_TEST(jsonlines_valid_fixtures)
{
    run_fixtures(jsonlines_decode_float32, FIXTURES_DIR "/json/lines", "valid");
}
END_TEST

START_TEST(jsonlines_invalid_fixtures)
{
    run_fixtures(jsonlines_decode_float32, FIXTURES_DIR "/json/lines", "invalid");
}
END_TEST

START_TEST(jsonlines_declined_fixtures)
{
    run_fixtures(jsonlines_decode_float32, FIXTURES_DIR "/json/lines", "declined");
}
END_TEST

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

/* One decode record at *cursor; true when C and the reference agree. */
static bool generated_decode(const char **cursor, long record)
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
    rc = strcmp(mode, "json") == 0 ? json_decode_float32(body, length, &desc, &values, &err)
                                   : jsonlines_decode_float32(body, length, &desc, &values, &err);
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

static bool generated_encode(const char **cursor, long record)
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
    rc = strcmp(mode, "json") == 0 ? json_encode(&desc, data, &out, &err) : jsonlines_encode(&desc, data, &out, &err);
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

START_TEST(generated_cases)
{
    size_t length;
    char *text = read_file(FIXTURES_DIR "/json/generated.cases", &length);
    const char *cursor = text;
    long records = 0, failures = 0, decodes = 0;

    ck_assert_msg(text != NULL, "run tests/unit/gen_text_cases.py");
    while (cursor < text + length) {
        bool ok;
        if (strncmp(cursor, "decode ", 7) == 0) {
            ok = generated_decode(&cursor, records);
            decodes++;
        } else {
            ck_assert_msg(strncmp(cursor, "encode ", 7) == 0, "bad record %ld", records);
            ok = generated_encode(&cursor, records);
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
END_TEST

/*
 * The API's edges.
 */

/* Encodes and compares with text; returns the code. */
static enum error_code encode_to(encoder fn, const struct array_desc *desc, const void *data, size_t max,
                                 const char *text)
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

START_TEST(encode_layouts)
{
    /* [[1, -2, 3], [4, 5, -6]] as int16: C order little-endian, Fortran
     * order, and big-endian Fortran order. */
    const int16_t c_order[6] = {1, -2, 3, 4, 5, -6};
    const int16_t f_order[6] = {1, 4, -2, 5, 3, -6};
    int16_t f_big[6];
    struct array_desc desc = {.kind = ELEMENT_INT, .itemsize = 2, .ndim = 2, .shape = {2, 3}};
    const char *text = "[[1, -2, 3], [4, 5, -6]]";

    for (int i = 0; i < 6; i++)
        f_big[i] = (int16_t)__builtin_bswap16((uint16_t)f_order[i]);
    ck_assert_int_eq(encode_to(json_encode, &desc, c_order, 1000, text), OK);
    desc.fortran_order = true;
    ck_assert_int_eq(encode_to(json_encode, &desc, f_order, 1000, text), OK);
    desc.big_endian = true;
    ck_assert_int_eq(encode_to(json_encode, &desc, f_big, 1000, text), OK);
    ck_assert_int_eq(encode_to(jsonlines_encode, &desc, f_big, 1000, "[1, -2, 3]\n[4, 5, -6]\n"), OK);
}
END_TEST

START_TEST(encode_scalars_and_empty_shapes)
{
    const float value = 0.1f;
    const double specials[3] = {NAN, -INFINITY, -0.0};
    const unsigned char flags[2] = {1, 0};
    struct array_desc desc = {.kind = ELEMENT_FLOAT, .itemsize = 4, .ndim = 0};

    ck_assert_int_eq(encode_to(json_encode, &desc, &value, 100, "0.10000000149011612"), OK);
    ck_assert_int_eq(encode_to(jsonlines_encode, &desc, &value, 100, "0.10000000149011612\n"), OK);
    desc.itemsize = 8;
    desc.ndim = 1;
    desc.shape[0] = 3;
    ck_assert_int_eq(encode_to(json_encode, &desc, specials, 100, "[NaN, -Infinity, -0.0]"), OK);
    ck_assert_int_eq(encode_to(jsonlines_encode, &desc, specials, 100, "NaN\n-Infinity\n-0.0\n"), OK);
    desc.kind = ELEMENT_BOOL;
    desc.itemsize = 1;
    desc.shape[0] = 2;
    ck_assert_int_eq(encode_to(json_encode, &desc, flags, 100, "[true, false]"), OK);

    /* tolist() nests empty lists down to the first zero-length axis. */
    desc.ndim = 3;
    desc.shape[0] = 2;
    desc.shape[1] = 0;
    desc.shape[2] = 3;
    ck_assert_int_eq(encode_to(json_encode, &desc, flags, 100, "[[], []]"), OK);
    ck_assert_int_eq(encode_to(jsonlines_encode, &desc, flags, 100, "[]\n[]\n"), OK);
    desc.shape[0] = 0;
    ck_assert_int_eq(encode_to(json_encode, &desc, flags, 100, "[]"), OK);
    ck_assert_int_eq(encode_to(jsonlines_encode, &desc, flags, 100, ""), OK);
}
END_TEST

START_TEST(encode_declines_complex)
{
    const float pair[2] = {1, 2};
    struct array_desc desc = {.kind = ELEMENT_COMPLEX, .itemsize = 8, .ndim = 1, .shape = {1}};
    struct buffer out;
    struct error err;
    buffer_init(&out, 100);
    ck_assert_int_eq(json_encode(&desc, pair, &out, &err), ERR_DECLINED);
    ck_assert_int_eq(jsonlines_encode(&desc, pair, &out, &err), ERR_DECLINED);
    ck_assert_uint_eq(out.length, 0);
    buffer_free(&out);
}
END_TEST

START_TEST(encode_appends)
{
    const uint64_t values[2] = {UINT64_MAX, 0};
    struct array_desc desc = {.kind = ELEMENT_UINT, .itemsize = 8, .ndim = 1, .shape = {2}};
    struct buffer out;
    struct error err;
    buffer_init(&out, 1000);
    ck_assert_int_eq(buffer_append_string(&out, "x="), OK);
    ck_assert_int_eq(json_encode(&desc, values, &out, &err), OK);
    ck_assert_uint_eq(out.length, strlen("x=[18446744073709551615, 0]"));
    ck_assert_int_eq(memcmp(out.data, "x=[18446744073709551615, 0]", out.length), 0);
    buffer_free(&out);
}
END_TEST

/* An output exactly at the buffer's maximum fits (the encoder never
 * reserves past the maximum); one byte less is ERR_TOO_LARGE with the buffer
 * freed.  Large enough to cross many reservation chunks. */
START_TEST(encode_buffer_maximum)
{
    enum { COUNT = 50000 };
    double *values = malloc(COUNT * sizeof *values);
    struct array_desc desc = {.kind = ELEMENT_FLOAT, .itemsize = 8, .ndim = 2, .shape = {COUNT / 10, 10}};
    struct buffer out;
    struct error err;
    char *text;
    size_t length;

    for (int i = 0; i < COUNT; i++)
        values[i] = (i % 7 == 0 ? -1.0 : 1.0) * (double)i / 3.0;
    for (int lines = 0; lines < 2; lines++) {
        encoder fn = lines ? jsonlines_encode : json_encode;
        buffer_init(&out, SIZE_MAX);
        ck_assert_int_eq(fn(&desc, values, &out, &err), OK);
        text = buffer_take(&out, &length);
        text = realloc(text, length + 1);
        text[length] = '\0';
        ck_assert_int_eq(encode_to(fn, &desc, values, length, text), OK);
        ck_assert_int_eq(encode_to(fn, &desc, values, length - 1, text), ERR_TOO_LARGE);
        ck_assert_int_eq(encode_to(fn, &desc, values, 3, text), ERR_TOO_LARGE);
        free(text);
    }
    free(values);
}
END_TEST

START_TEST(decode_ownership_and_null_error)
{
    struct array_desc desc;
    float *values = (float *)&desc;
    struct error err;

    ck_assert_int_eq(json_decode_float32("[]", 2, &desc, &values, NULL), OK);
    ck_assert_ptr_nonnull(values);
    ck_assert_int_eq(desc.ndim, 1);
    ck_assert_uint_eq(desc.shape[0], 0);
    free(values);
    ck_assert_int_eq(json_decode_float32("[1,", 3, &desc, &values, NULL), ERR_BAD_INPUT);
    ck_assert_ptr_null(values);
    /* The length bounds the text: a NUL inside it is just a bad byte. */
    ck_assert_int_eq(json_decode_float32("[1]\0", 4, &desc, &values, &err), ERR_BAD_INPUT);
    ck_assert_int_eq(json_decode_float32("[1] junk", 3, &desc, &values, &err), OK);
    ck_assert_uint_eq(desc.shape[0], 1);
    free(values);
    ck_assert_int_eq(jsonlines_decode_float32("[1]\n[2]", 7, &desc, &values, &err), OK);
    ck_assert_int_eq(desc.ndim, 2);
    ck_assert_uint_eq(desc.shape[0], 2);
    ck_assert_uint_eq(desc.shape[1], 1);
    ck_assert(values[0] == 1.0f && values[1] == 2.0f);
    free(values);
}
END_TEST

/* A big document: the value array grows many times, the shape holds. */
START_TEST(decode_large)
{
    enum { ROWS = 300, COLUMNS = 301 };
    struct buffer text;
    struct array_desc desc;
    struct error err;
    float *values;

    buffer_init(&text, SIZE_MAX);
    buffer_append_byte(&text, '[');
    for (int i = 0; i < ROWS; i++) {
        buffer_append_string(&text, i ? ", [" : "[");
        for (int j = 0; j < COLUMNS; j++) {
            char number[32];
            snprintf(number, sizeof number, j ? ", %d.25" : "%d.25", i * COLUMNS + j);
            buffer_append_string(&text, number);
        }
        buffer_append_byte(&text, ']');
    }
    buffer_append_byte(&text, ']');
    ck_assert_int_eq(json_decode_float32(text.data, text.length, &desc, &values, &err), OK);
    ck_assert_int_eq(desc.ndim, 2);
    ck_assert_uint_eq(desc.shape[0], ROWS);
    ck_assert_uint_eq(desc.shape[1], COLUMNS);
    for (int i = 0; i < ROWS * COLUMNS; i++)
        ck_assert(values[i] == (float)i + 0.25f);
    free(values);
    buffer_free(&text);
}
END_TEST

/* Numbers read and print the same under a locale whose decimal mark is ','
 * (when one can be loaded: `localedef -i de_DE -f UTF-8 DIR/de_DE.UTF-8` and
 * LOCPATH=DIR make one without root). */
START_TEST(locale_independent)
{
    const double value = 1.5;
    struct array_desc desc = {.kind = ELEMENT_FLOAT, .itemsize = 8, .ndim = 1, .shape = {1}};
    float *values;
    struct error err;
    const char *names[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", NULL};
    const char *loaded = NULL;

    for (int i = 0; names[i] != NULL && loaded == NULL; i++)
        loaded = setlocale(LC_ALL, names[i]);
    if (loaded == NULL)
        fprintf(stderr, "locale_independent: no ',' locale installed; checked in the C locale only\n");
    ck_assert_int_eq(json_decode_float32("[2.5e0, \"0.5\"]", 14, &desc, &values, &err), OK);
    ck_assert(values[0] == 2.5f && values[1] == 0.5f);
    free(values);
    desc.ndim = 1;
    desc.shape[0] = 1;
    desc.kind = ELEMENT_FLOAT;
    desc.itemsize = 8;
    ck_assert_int_eq(encode_to(json_encode, &desc, &value, 100, "[1.5]"), OK);
    setlocale(LC_ALL, "C");
}
END_TEST

int main(void)
{
    Suite *suite = suite_create("codec_json");
    TCase *fixtures = tcase_create("fixtures");
    TCase *api = tcase_create("api");
    SRunner *runner;
    int failed;

    tcase_set_timeout(fixtures, 120);
    tcase_add_test(fixtures, json_valid_fixtures);
    tcase_add_test(fixtures, json_invalid_fixtures);
    tcase_add_test(fixtures, json_declined_fixtures);
    tcase_add_test(fixtures, jsonlines_valid_fixtures);
    tcase_add_test(fixtures, jsonlines_invalid_fixtures);
    tcase_add_test(fixtures, jsonlines_declined_fixtures);
    tcase_add_test(fixtures, generated_cases);
    tcase_set_timeout(api, 60);
    tcase_add_test(api, encode_layouts);
    tcase_add_test(api, encode_scalars_and_empty_shapes);
    tcase_add_test(api, encode_declines_complex);
    tcase_add_test(api, encode_appends);
    tcase_add_test(api, encode_buffer_maximum);
    tcase_add_test(api, decode_ownership_and_null_error);
    tcase_add_test(api, decode_large);
    tcase_add_test(api, locale_independent);
    suite_add_tcase(suite, fixtures);
    suite_add_tcase(suite, api);
    runner = srunner_create(suite);
    srunner_run_all(runner, CK_NORMAL);
    failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? 0 : 1;
}
