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
#include "fixture_cases.h"

#ifndef FIXTURES_DIR
#define FIXTURES_DIR "tests/unit/fixtures"
#endif

START_TEST(valid_fixtures)
{
    fixture_run_directories(csv_decode_float32, FIXTURES_DIR "/csv", "valid");
}
END_TEST

START_TEST(invalid_fixtures)
{
    fixture_run_directories(csv_decode_float32, FIXTURES_DIR "/csv", "invalid");
}
END_TEST

START_TEST(declined_fixtures)
{
    fixture_run_directories(csv_decode_float32, FIXTURES_DIR "/csv", "declined");
}
END_TEST

/*
 * generated.cases: see gen_text_cases.py for the record layout.
 */

START_TEST(generated_cases)
{
    static const struct fixture_mode modes[] = {{"csv", csv_decode_float32, csv_encode}};

    fixture_run_generated(FIXTURES_DIR "/csv/generated.cases", modes, sizeof modes / sizeof modes[0]);
}
END_TEST

/*
 * The API's edges.
 */

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
    ck_assert_int_eq(fixture_encode_to(csv_encode, &desc, c_order, 1000, text), OK);
    desc.fortran_order = true;
    ck_assert_int_eq(fixture_encode_to(csv_encode, &desc, f_order, 1000, text), OK);
    desc.big_endian = true;
    ck_assert_int_eq(fixture_encode_to(csv_encode, &desc, f_big, 1000, text), OK);
    desc.big_endian = false;
    desc.fortran_order = false;
    desc.kind = ELEMENT_INT;
    desc.itemsize = 1;
    ck_assert_int_eq(fixture_encode_to(csv_encode, &desc, small, 1000, "-128,0,127\n1,2,3\n"), OK);
    desc.kind = ELEMENT_BOOL;
    desc.ndim = 1;
    desc.shape[0] = 3;
    ck_assert_int_eq(fixture_encode_to(csv_encode, &desc, flags, 1000, "True\nFalse\nTrue\n"), OK);
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

    ck_assert_int_eq(fixture_encode_to(csv_encode, &desc, values, 100, "1e+16\n"), OK);
    desc.itemsize = 4;
    ck_assert_int_eq(fixture_encode_to(csv_encode, &desc, &single, 100, "1e-04\n"), OK);
    desc.itemsize = 2;
    ck_assert_int_eq(fixture_encode_to(csv_encode, &desc, &half, 100, "0.1\n"), OK);
    /* The float32 whose shortest str reads back (through double) one ulp
     * off: numpy prints it so all the same. */
    desc.itemsize = 4;
    ck_assert_int_eq(fixture_encode_to(csv_encode, &desc, &quirk, 100, "7.038531e-26\n"), OK);
    desc.itemsize = 8;
    desc.ndim = 1;
    desc.shape[0] = 4;
    ck_assert_int_eq(fixture_encode_to(csv_encode, &desc, values, 100, "1e+16\n1e-05\n-0.0\nnan\n"), OK);
    desc.ndim = 2;
    desc.shape[0] = 1;
    desc.shape[1] = 4;
    ck_assert_int_eq(fixture_encode_to(csv_encode, &desc, values, 100, "1e+16,1e-05,-0.0,nan\n"), OK);
    /* savetxt writes an empty line per row of a (3, 0) array, nothing for (0, 3). */
    desc.shape[0] = 3;
    desc.shape[1] = 0;
    ck_assert_int_eq(fixture_encode_to(csv_encode, &desc, values, 100, "\n\n\n"), OK);
    desc.shape[0] = 0;
    desc.shape[1] = 3;
    ck_assert_int_eq(fixture_encode_to(csv_encode, &desc, values, 100, ""), OK);

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

    for (int i = 0; i < COUNT; i++)
        values[i] = (i % 5 == 0 ? -1.0f : 1.0f) * (float)i / 7.0f;
    fixture_check_exact_maximum(csv_encode, &desc, values, 5);
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
    ck_assert_int_eq(fixture_encode_to(csv_encode, &desc, row, 100, "1.5,-0.25\n"), OK);
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
