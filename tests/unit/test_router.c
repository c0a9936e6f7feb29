/* routing: every route, 404, 405 with Allow, query strings ignored. */
#include <check.h>
#include <string.h>

#include "router.h"

static enum error_code route(enum http_method method, const char *target, enum route *out, const char **allow)
{
    struct error err;
    return router_route(method, target, out, allow, &err);
}

START_TEST(known_routes)
{
    enum route r;
    const char *allow;
    ck_assert_int_eq(route(METHOD_GET, "/ping", &r, &allow), OK);
    ck_assert_int_eq(r, ROUTE_PING);
    ck_assert_int_eq(route(METHOD_HEAD, "/ping", &r, &allow), OK);
    ck_assert_int_eq(r, ROUTE_PING);
    ck_assert_int_eq(route(METHOD_POST, "/invocations", &r, &allow), OK);
    ck_assert_int_eq(r, ROUTE_INVOCATIONS);
    ck_assert_int_eq(route(METHOD_GET, "/execution-parameters", &r, &allow), OK);
    ck_assert_int_eq(r, ROUTE_EXECUTION_PARAMETERS);
}
END_TEST

START_TEST(query_strings_are_ignored)
{
    enum route r;
    const char *allow;
    ck_assert_int_eq(route(METHOD_POST, "/invocations?model=a&x=1", &r, &allow), OK);
    ck_assert_int_eq(r, ROUTE_INVOCATIONS);
    ck_assert_int_eq(route(METHOD_GET, "/ping?", &r, &allow), OK);
    ck_assert_int_eq(r, ROUTE_PING);
}
END_TEST

START_TEST(wrong_method_is_405_with_allow)
{
    enum route r;
    const char *allow;
    struct error err;
    ck_assert_int_eq(router_route(METHOD_GET, "/invocations", &r, &allow, &err), ERR_METHOD);
    ck_assert_str_eq(allow, "POST");
    ck_assert_int_eq(error_http_status(err.code), 405);
    ck_assert_int_eq(route(METHOD_POST, "/ping", &r, &allow), ERR_METHOD);
    ck_assert_str_eq(allow, "GET, HEAD");
    ck_assert_int_eq(route(METHOD_DELETE, "/execution-parameters", &r, &allow), ERR_METHOD);
    ck_assert_int_eq(route(METHOD_OTHER, "/ping", &r, &allow), ERR_METHOD);
}
END_TEST

START_TEST(unknown_paths_are_404)
{
    enum route r;
    const char *allow;
    struct error err;
    ck_assert_int_eq(router_route(METHOD_GET, "/", &r, &allow, &err), ERR_NOT_FOUND);
    ck_assert_ptr_nonnull(strstr(err.message, "/invocations"));
    ck_assert_int_eq(route(METHOD_GET, "/pingx", &r, &allow), ERR_NOT_FOUND);
    ck_assert_int_eq(route(METHOD_GET, "/pin", &r, &allow), ERR_NOT_FOUND);
    ck_assert_int_eq(route(METHOD_POST, "/invocations/", &r, &allow), ERR_NOT_FOUND);
    ck_assert_int_eq(route(METHOD_GET, "/PING", &r, &allow), ERR_NOT_FOUND);
    ck_assert_int_eq(route(METHOD_GET, "", &r, &allow), ERR_NOT_FOUND);
    ck_assert_ptr_null(allow);
}
END_TEST

int main(void)
{
    Suite *suite = suite_create("router");
    TCase *tcase = tcase_create("routes");
    SRunner *runner;
    int failed;
    tcase_add_test(tcase, known_routes);
    tcase_add_test(tcase, query_strings_are_ignored);
    tcase_add_test(tcase, wrong_method_is_405_with_allow);
    tcase_add_test(tcase, unknown_paths_are_404);
    suite_add_tcase(suite, tcase);
    runner = srunner_create(suite);
    srunner_run_all(runner, CK_NORMAL);
    failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? 0 : 1;
}
