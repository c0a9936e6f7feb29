/*
 * codec_csv: the hand-made fixtures (fixtures/csv/{valid,invalid,declined}),
 * the random cases gen_text_cases.py took from the Python reference
 * (fixtures/csv/generated.cases), and the API's edges: layouts, squeezing,
 * 3-D refusal, buffer limits, locale.
 */
#include <check.h>
#include <dirent.h>
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec_csv.h"

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

START_TEST(valid_fixtures)
{
    run_fixtures(csv_decode_float32, FIXTURES_DIR "/csv", "valid");
}
END_TEST

START_TEST(invalid_fixtures)
{
    run_fixtures(csv_decode_float32, FIXTURES_DIR "/csv", "invalid");
}
END_TEST

START_TEST(declined_fixtures)
{
    run_fixtures(csv_decode_float32, FIXTURES_DIR "/csv", "declined");
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
    ck_assert_str_eq(mode, "csv");
    rc = csv_decode_float32(body, length, &desc, &values, &err);
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
    ck_assert_str_eq(mode, "csv");
    rc = csv_encode(&desc, data, &out, &err);
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
    char *text = read_file(FIXTURES_DIR "/csv/generated.cases", &length);
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
    /* [[1.5, -2, 3], [4, 0.1, -6]] as float32 in C order, Fortran order,
     * and big-endian Fortran order; the same as int8 and bool. */
    const float c_order[6] = {1.5f, -2, 3, 4, 0.1f, -6};
    const float f_order[6] = {1.5f, 4, -2, 0.1f, 3, -6};
    uint32_t f_big[6];
    const int8_t small[6] = {-128, 0, 127, 1, 2, 3};
    const unsigned char flags[3] = {1, 0, 1};
    struct array_desc desc = {.kind = ELEMENT_FLOAT, .itemsize = 4, .ndim = 2, .shape = {2, 3}};
    const char *text = "1.5,-2.0,3.0\n4.0,0.1,-6.0\n";

    for (int i = 0; i < 6; i++) {
        memcpy(&f_big[i], &f_order[i], 4);
        f_big[i] = __builtin_bswap32(f_big[i]);
    }
    ck_assert_int_eq(encode_to(csv_encode, &desc, c_order, 1000, text), OK);
    desc.fortran_order = true;
    ck_assert_int_eq(encode_to(csv_encode, &desc, f_order, 1000, text), OK);
    desc.big_endian = true;
    ck_assert_int_eq(encode_to(csv_encode, &desc, f_big, 1000, text), OK);
    desc.big_endian = false;
    desc.fortran_order = false;
    desc.kind = ELEMENT_INT;
    desc.itemsize = 1;
    ck_assert_int_eq(encode_to(csv_encode, &desc, small, 1000, "-128,0,127\n1,2,3\n"), OK);
    desc.kind = ELEMENT_BOOL;
    desc.ndim = 1;
    desc.shape[0] = 3;
    ck_assert_int_eq(encode_to(csv_encode, &desc, flags, 1000, "True\nFalse\nTrue\n"), OK);
}
END_TEST

START_TEST(encode_shapes)
{
    const double values[4] = {1e16, 1e-5, -0.0, NAN};
    const float single = 1e-4f;
    const uint16_t half = 0x2E66;  /* float16 0.1 */
    const uint32_t quirk = 0x15AE43FD;
    struct array_desc desc = {.kind = ELEMENT_FLOAT, .itemsize = 8, .ndim = 0};
    struct buffer out;
    struct error err;

    ck_assert_int_eq(encode_to(csv_encode, &desc, values, 100, "1e+16\n"), OK);
    desc.itemsize = 4;
    ck_assert_int_eq(encode_to(csv_encode, &desc, &single, 100, "1e-04\n"), OK);
    desc.itemsize = 2;
    ck_assert_int_eq(encode_to(csv_encode, &desc, &half, 100, "0.1\n"), OK);
    /* The float32 whose shortest str reads back (through double) one ulp
     * off: numpy prints it so all the same. */
    desc.itemsize = 4;
    ck_assert_int_eq(encode_to(csv_encode, &desc, &quirk, 100, "7.038531e-26\n"), OK);
    desc.itemsize = 8;
    desc.ndim = 1;
    desc.shape[0] = 4;
    ck_assert_int_eq(encode_to(csv_encode, &desc, values, 100, "1e+16\n1e-05\n-0.0\nnan\n"), OK);
    desc.ndim = 2;
    desc.shape[0] = 1;
    desc.shape[1] = 4;
    ck_assert_int_eq(encode_to(csv_encode, &desc, values, 100, "1e+16,1e-05,-0.0,nan\n"), OK);
    /* savetxt writes an empty line per row of a (3, 0) array, nothing for (0, 3). */
    desc.shape[0] = 3;
    desc.shape[1] = 0;
    ck_assert_int_eq(encode_to(csv_encode, &desc, values, 100, "\n\n\n"), OK);
    desc.shape[0] = 0;
    desc.shape[1] = 3;
    ck_assert_int_eq(encode_to(csv_encode, &desc, values, 100, ""), OK);

    desc.ndim = 3;
    desc.shape[0] = 2;
    desc.shape[1] = 3;
    desc.shape[2] = 4;
    buffer_init(&out, 100);
    ck_assert_int_eq(csv_encode(&desc, values, &out, &err), ERR_NOT_ACCEPTABLE);
    ck_assert_str_eq(err.message, "text/csv holds 1-D or 2-D arrays, but the prediction has shape (2, 3, 4); "
                     "ask for application/json or application/x-npy");
    desc.ndim = 1;
    desc.kind = ELEMENT_COMPLEX;
    desc.itemsize = 16;
    ck_assert_int_eq(csv_encode(&desc, values, &out, &err), ERR_DECLINED);
    ck_assert_uint_eq(out.length, 0);
    buffer_free(&out);
}
END_TEST

/* An output exactly at the buffer's maximum fits; one byte less is
 * ERR_TOO_LARGE with the buffer freed. */
START_TEST(encode_buffer_maximum)
{
    enum { COUNT = 60000 };
    float *values = malloc(COUNT * sizeof *values);
    struct array_desc desc = {.kind = ELEMENT_FLOAT, .itemsize = 4, .ndim = 2, .shape = {COUNT / 12, 12}};
    struct buffer out;
    struct error err;
    char *text;
    size_t length;

    for (int i = 0; i < COUNT; i++)
        values[i] = (i % 5 == 0 ? -1.0f : 1.0f) * (float)i / 7.0f;
    buffer_init(&out, SIZE_MAX);
    ck_assert_int_eq(csv_encode(&desc, values, &out, &err), OK);
    text = buffer_take(&out, &length);
    text = realloc(text, length + 1);
    text[length] = '\0';
    ck_assert_int_eq(encode_to(csv_encode, &desc, values, length, text), OK);
    ck_assert_int_eq(encode_to(csv_encode, &desc, values, length - 1, text), ERR_TOO_LARGE);
    ck_assert_int_eq(encode_to(csv_encode, &desc, values, 5, text), ERR_TOO_LARGE);
    free(text);
    free(values);
}
END_TEST

START_TEST(decode_squeeze_and_ownership)
{
    struct array_desc desc;
    float *values = (float *)&desc;
    struct error err;

    ck_assert_int_eq(csv_decode_float32("7", 1, &desc, &values, NULL), OK);
    ck_assert_int_eq(desc.ndim, 0);
    ck_assert(values[0] == 7.0f);
    free(values);
    ck_assert_int_eq(csv_decode_float32("1,2\n", 4, &desc, &values, &err), OK);
    ck_assert_int_eq(desc.ndim, 1);
    ck_assert_uint_eq(desc.shape[0], 2);
    free(values);
    ck_assert_int_eq(csv_decode_float32("1\n2\n3", 5, &desc, &values, &err), OK);
    ck_assert_int_eq(desc.ndim, 1);
    ck_assert_uint_eq(desc.shape[0], 3);
    free(values);
    ck_assert_int_eq(csv_decode_float32("1,2\n3,4\n5,6", 11, &desc, &values, &err), OK);
    ck_assert_int_eq(desc.ndim, 2);
    ck_assert_uint_eq(desc.shape[0], 3);
    ck_assert_uint_eq(desc.shape[1], 2);
    ck_assert(values[5] == 6.0f);
    free(values);
    ck_assert_int_eq(csv_decode_float32("1,x", 3, &desc, &values, NULL), ERR_BAD_INPUT);
    ck_assert_ptr_null(values);
    /* The length bounds the text. */
    ck_assert_int_eq(csv_decode_float32("12,x", 2, &desc, &values, &err), OK);
    ck_assert(values[0] == 12.0f);
    free(values);
}
END_TEST

START_TEST(decode_large)
{
    enum { ROWS = 2000, COLUMNS = 37 };
    struct buffer text;
    struct array_desc desc;
    struct error err;
    float *values;

    buffer_init(&text, SIZE_MAX);
    for (int i = 0; i < ROWS; i++) {
        for (int j = 0; j < COLUMNS; j++) {
            char number[32];
            snprintf(number, sizeof number, j ? ",%d.5" : "%d.5", i * COLUMNS + j);
            buffer_append_string(&text, number);
        }
        buffer_append_string(&text, i % 2 ? "\r\n" : "\n");
    }
    ck_assert_int_eq(csv_decode_float32(text.data, text.length, &desc, &values, &err), OK);
    ck_assert_int_eq(desc.ndim, 2);
    ck_assert_uint_eq(desc.shape[0], ROWS);
    ck_assert_uint_eq(desc.shape[1], COLUMNS);
    for (int i = 0; i < ROWS * COLUMNS; i++)
        ck_assert(values[i] == (float)i + 0.5f);
    free(values);
    buffer_free(&text);
}
END_TEST

/* Numbers read and print the same under a locale whose decimal mark is ','
 * (when one can be loaded: `localedef -i de_DE -f UTF-8 DIR/de_DE.UTF-8` and
 * LOCPATH=DIR make one without root). */
START_TEST(locale_independent)
{
    const float row[2] = {1.5f, -0.25f};
    struct array_desc desc = {.kind = ELEMENT_FLOAT, .itemsize = 4, .ndim = 2, .shape = {1, 2}};
    float *values;
    struct error err;
    const char *names[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", NULL};
    const char *loaded = NULL;

    for (int i = 0; names[i] != NULL && loaded == NULL; i++)
        loaded = setlocale(LC_ALL, names[i]);
    if (loaded == NULL)
        fprintf(stderr, "locale_independent: no ',' locale installed; checked in the C locale only\n");
    ck_assert_int_eq(csv_decode_float32("2.5,\"0.5\"", 9, &desc, &values, &err), OK);
    ck_assert(values[0] == 2.5f && values[1] == 0.5f);
    free(values);
    desc.ndim = 2;
    desc.shape[0] = 1;
    desc.shape[1] = 2;
    desc.kind = ELEMENT_FLOAT;
    desc.itemsize = 4;
    ck_assert_int_eq(encode_to(csv_encode, &desc, row, 100, "1.5,-0.25\n"), OK);
    setlocale(LC_ALL, "C");
}
END_TEST

int main(void)
{
    Suite *suite = suite_create("codec_csv");
    TCase *fixtures = tcase_create("fixtures");
    TCase *api = tcase_create("api");
    SRunner *runner;
    int failed;

    tcase_set_timeout(fixtures, 120);
    tcase_add_test(fixtures, valid_fixtures);
    tcase_add_test(fixtures, invalid_fixtures);
    tcase_add_test(fixtures, declined_fixtures);
    tcase_add_test(fixtures, generated_cases);
    tcase_set_timeout(api, 60);
    tcase_add_test(api, encode_layouts);
    tcase_add_test(api, encode_shapes);
    tcase_add_test(api, encode_buffer_maximum);
    tcase_add_test(api, decode_squeeze_and_ownership);
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
