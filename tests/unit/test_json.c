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
#include "fixture_cases.h"

#ifndef FIXTURES_DIR
#define FIXTURES_DIR "tests/unit/fixtures"
#endif

START_TEST(json_valid_fixtures)
{
    fixture_run_directories(json_decode_float32, FIXTURES_DIR "/json", "valid");
}
END_TEST

START_TEST(json_invalid_fixtures)
{
    fixture_run_directories(json_decode_float32, FIXTURES_DIR "/json", "invalid");
}
END_TEST

START_TEST(json_declined_fixtures)
{
    fixture_run_directories(json_decode_float32, FIXTURES_DIR "/json", "declined");
}
END_TEST

START_TEST(jsonlines_valid_fixtures)
{
    fixture_run_directories(jsonlines_decode_float32, FIXTURES_DIR "/json/lines", "valid");
}
END_TEST

START_TEST(jsonlines_invalid_fixtures)
{
    fixture_run_directories(jsonlines_decode_float32, FIXTURES_DIR "/json/lines", "invalid");
}
END_TEST

START_TEST(jsonlines_declined_fixtures)
{
    fixture_run_directories(jsonlines_decode_float32, FIXTURES_DIR "/json/lines", "declined");
}
END_TEST

/*
 * generated.cases: see gen_text_cases.py for the record layout.
 */

START_TEST(generated_cases)
{
    static const struct fixture_mode modes[] = {
        {"json", json_decode_float32, json_encode},
        {"jsonlines", jsonlines_decode_float32, jsonlines_encode},
    };

    fixture_run_generated(FIXTURES_DIR "/json/generated.cases", modes, sizeof modes / sizeof modes[0]);
}
END_TEST

/*
 * The API's edges.
 */

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
    ck_assert_int_eq(fixture_encode_to(json_encode, &desc, c_order, 1000, text), OK);
    desc.fortran_order = true;
    ck_assert_int_eq(fixture_encode_to(json_encode, &desc, f_order, 1000, text), OK);
    desc.big_endian = true;
    ck_assert_int_eq(fixture_encode_to(json_encode, &desc, f_big, 1000, text), OK);
    ck_assert_int_eq(fixture_encode_to(jsonlines_encode, &desc, f_big, 1000, "[1, -2, 3]\n[4, 5, -6]\n"), OK);
}
END_TEST

START_TEST(encode_scalars_and_empty_shapes)
{
    const float value = 0.1f;
    const double specials[3] = {NAN, -INFINITY, -0.0};
    const unsigned char flags[2] = {1, 0};
    struct array_desc desc = {.kind = ELEMENT_FLOAT, .itemsize = 4, .ndim = 0};

    ck_assert_int_eq(fixture_encode_to(json_encode, &desc, &value, 100, "0.10000000149011612"), OK);
    ck_assert_int_eq(fixture_encode_to(jsonlines_encode, &desc, &value, 100, "0.10000000149011612\n"), OK);
    desc.itemsize = 8;
    desc.ndim = 1;
    desc.shape[0] = 3;
    ck_assert_int_eq(fixture_encode_to(json_encode, &desc, specials, 100, "[NaN, -Infinity, -0.0]"), OK);
    ck_assert_int_eq(fixture_encode_to(jsonlines_encode, &desc, specials, 100, "NaN\n-Infinity\n-0.0\n"), OK);
    desc.kind = ELEMENT_BOOL;
    desc.itemsize = 1;
    desc.shape[0] = 2;
    ck_assert_int_eq(fixture_encode_to(json_encode, &desc, flags, 100, "[true, false]"), OK);

    /* tolist() nests empty lists down to the first zero-length axis. */
    desc.ndim = 3;
    desc.shape[0] = 2;
    desc.shape[1] = 0;
    desc.shape[2] = 3;
    ck_assert_int_eq(fixture_encode_to(json_encode, &desc, flags, 100, "[[], []]"), OK);
    ck_assert_int_eq(fixture_encode_to(jsonlines_encode, &desc, flags, 100, "[]\n[]\n"), OK);
    desc.shape[0] = 0;
    ck_assert_int_eq(fixture_encode_to(json_encode, &desc, flags, 100, "[]"), OK);
    ck_assert_int_eq(fixture_encode_to(jsonlines_encode, &desc, flags, 100, ""), OK);
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

    for (int i = 0; i < COUNT; i++)
        values[i] = (i % 7 == 0 ? -1.0 : 1.0) * (double)i / 3.0;
    fixture_check_exact_maximum(json_encode, &desc, values, 3);
    fixture_check_exact_maximum(jsonlines_encode, &desc, values, 3);
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
    ck_assert_int_eq(fixture_encode_to(json_encode, &desc, &value, 100, "[1.5]"), OK);
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
