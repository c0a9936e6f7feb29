/* buffer: growth, the maximum, and the empty state after a failure. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "buffer.h"

START_TEST(appends_and_grows)
{
    struct buffer b;
    buffer_init(&b, 1 << 20);
    for (int i = 0; i < 1000; i++)
        ck_assert_int_eq(buffer_append_string(&b, "abc"), OK);
    ck_assert_uint_eq(b.length, 3000);
    ck_assert_int_eq(memcmp(b.data + 2997, "abc", 3), 0);
    ck_assert_int_eq(buffer_append_byte(&b, 'z'), OK);
    ck_assert_int_eq(b.data[3000], 'z');
    buffer_free(&b);
    ck_assert_ptr_null(b.data);
}
END_TEST

START_TEST(maximum_is_enforced_and_leaves_empty)
{
    struct buffer b;
    buffer_init(&b, 10);
    ck_assert_int_eq(buffer_append(&b, "0123456789", 10), OK);
    ck_assert_int_eq(buffer_append_byte(&b, 'x'), ERR_TOO_LARGE);
    ck_assert_ptr_null(b.data);
    ck_assert_uint_eq(b.length, 0);
    ck_assert_int_eq(buffer_reserve(&b, (size_t)-1), ERR_TOO_LARGE);
    buffer_free(&b);
}
END_TEST

START_TEST(take_hands_over)
{
    struct buffer b;
    size_t length;
    char *data;
    buffer_init(&b, 100);
    buffer_append_string(&b, "hello");
    data = buffer_take(&b, &length);
    ck_assert_uint_eq(length, 5);
    ck_assert_int_eq(memcmp(data, "hello", 5), 0);
    ck_assert_ptr_null(b.data);
    ck_assert_uint_eq(b.max, 100);
    free(data);
    buffer_append_string(&b, "ab");
    buffer_reset(&b);
    ck_assert_uint_eq(b.length, 0);
    ck_assert_ptr_nonnull(b.data);
    buffer_free(&b);
}
END_TEST

int main(void)
{
    Suite *suite = suite_create("buffer");
    TCase *tcase = tcase_create("buffer");
    SRunner *runner;
    int failed;
    tcase_add_test(tcase, appends_and_grows);
    tcase_add_test(tcase, maximum_is_enforced_and_leaves_empty);
    tcase_add_test(tcase, take_hands_over);
    suite_add_tcase(suite, tcase);
    runner = srunner_create(suite);
    srunner_run_all(runner, CK_NORMAL);
    failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? 0 : 1;
}
