/* error mapping: every code's status and name, and the JSON body. */
#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

START_TEST(statuses)
{
    ck_assert_int_eq(error_http_status(OK), 200);
    ck_assert_int_eq(error_http_status(ERR_BAD_INPUT), 400);
    ck_assert_int_eq(error_http_status(ERR_TOO_LARGE), 400);
    ck_assert_int_eq(error_http_status(ERR_NOT_FOUND), 404);
    ck_assert_int_eq(error_http_status(ERR_METHOD), 405);
    ck_assert_int_eq(error_http_status(ERR_NOT_ACCEPTABLE), 406);
    ck_assert_int_eq(error_http_status(ERR_PAYLOAD_TOO_LARGE), 413);
    ck_assert_int_eq(error_http_status(ERR_UNSUPPORTED_TYPE), 415);
    ck_assert_int_eq(error_http_status(ERR_USER), 500);
    ck_assert_int_eq(error_http_status(ERR_WORKER_DIED), 500);
    ck_assert_int_eq(error_http_status(ERR_UNAVAILABLE), 503);
    ck_assert_int_eq(error_http_status(ERR_TIMEOUT), 504);
    ck_assert_int_eq(error_http_status(ERR_DECLINED), 500);
    ck_assert_int_eq(error_http_status(ERR_REQUEST_TIMEOUT), 408);
    ck_assert_int_eq(error_http_status(ERR_URI_TOO_LONG), 414);
    ck_assert_int_eq(error_http_status(ERR_HEADERS_TOO_LARGE), 431);
}
END_TEST

START_TEST(status_round_trip)
{
    /* Every status the HTTP layer decides maps back to itself. */
    static const int layer_statuses[] = { 400, 404, 405, 406, 408, 413, 414, 415, 431, 503, 504 };
    for (size_t i = 0; i < sizeof layer_statuses / sizeof layer_statuses[0]; i++)
        ck_assert_int_eq(error_http_status(error_code_for_status(layer_statuses[i])), layer_statuses[i]);
    ck_assert_int_eq(error_code_for_status(418), ERR_INTERNAL);
    ck_assert_str_eq(error_name(error_code_for_status(431)), "RequestHeaderFieldsTooLarge");
}
END_TEST

START_TEST(names)
{
    ck_assert_str_eq(error_name(ERR_BAD_INPUT), "BadRequest");
    ck_assert_str_eq(error_name(ERR_UNSUPPORTED_TYPE), "UnsupportedMediaType");
    ck_assert_str_eq(error_name(ERR_NOT_ACCEPTABLE), "NotAcceptable");
    ck_assert_str_eq(error_name(ERR_TIMEOUT), "Timeout");
    ck_assert_str_eq(error_name(ERR_UNAVAILABLE), "ServiceUnavailable");
}
END_TEST

START_TEST(set_formats_and_returns_code)
{
    struct error err;
    ck_assert_int_eq(error_set(&err, ERR_BAD_INPUT, "line %d column %d: %s", 3, 2, "not a number"),
                     ERR_BAD_INPUT);
    ck_assert_int_eq(err.code, ERR_BAD_INPUT);
    ck_assert_str_eq(err.message, "line 3 column 2: not a number");
    ck_assert_int_eq(error_set(NULL, ERR_IO, "ignored"), ERR_IO);
    error_clear(&err);
    ck_assert_int_eq(err.code, OK);
    ck_assert_str_eq(err.message, "");
}
END_TEST

START_TEST(json_body_shape)
{
    char *body = error_json_body("ValueError", "bad \"thing\"\n", NULL);
    json_t *parsed = json_loads(body, 0, NULL);
    ck_assert_ptr_nonnull(parsed);
    ck_assert_str_eq(json_string_value(json_object_get(parsed, "error")), "ValueError");
    ck_assert_str_eq(json_string_value(json_object_get(parsed, "error-message")), "bad \"thing\"\n");
    ck_assert_ptr_null(json_object_get(parsed, "stack-trace"));
    json_decref(parsed);
    free(body);

    body = error_json_body("E", "m", "Traceback ...");
    parsed = json_loads(body, 0, NULL);
    ck_assert_str_eq(json_string_value(json_object_get(parsed, "stack-trace")), "Traceback ...");
    json_decref(parsed);
    free(body);

    body = error_json_body("E", "\xff\xfe not utf-8", NULL);   /* still a valid body */
    parsed = json_loads(body, 0, NULL);
    ck_assert_ptr_nonnull(parsed);
    ck_assert_ptr_nonnull(json_string_value(json_object_get(parsed, "error-message")));
    json_decref(parsed);
    free(body);
}
END_TEST

int main(void)
{
    Suite *suite = suite_create("error");
    TCase *tcase = tcase_create("mapping");
    SRunner *runner;
    int failed;
    tcase_add_test(tcase, statuses);
    tcase_add_test(tcase, names);
    tcase_add_test(tcase, status_round_trip);
    tcase_add_test(tcase, set_formats_and_returns_code);
    tcase_add_test(tcase, json_body_shape);
    suite_add_tcase(suite, tcase);
    runner = srunner_create(suite);
    srunner_run_all(runner, CK_NORMAL);
    failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? 0 : 1;
}
