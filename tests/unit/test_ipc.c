/* ipc framing: round trips, partial input, and every malformed prefix. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "ipc.h"

static struct buffer build(enum ipc_kind kind, uint32_t status, const char *a, const char *b, const char *c)
{
    struct buffer out;
    const char *fields[3] = { a, b, c };
    uint64_t lengths[3] = { strlen(a), strlen(b), strlen(c) };
    buffer_init(&out, 1 << 20);
    ck_assert_int_eq(ipc_frame_build(&out, kind, status, fields, lengths, 3), OK);
    return out;
}

START_TEST(request_round_trip)
{
    struct buffer frame = build(IPC_REQUEST, 0, "text/csv", "application/json", "1,2,3\n");
    struct ipc_prefix prefix;
    struct error err;
    ck_assert_int_eq(ipc_prefix_parse(frame.data, frame.length, 1 << 20, &prefix, &err), OK);
    ck_assert_int_eq(prefix.kind, IPC_REQUEST);
    ck_assert_uint_eq(prefix.field_count, 3);
    ck_assert_uint_eq(prefix.prefix_length, IPC_HEAD_SIZE + 24);
    ck_assert_uint_eq(prefix.field_length[0], 8);
    ck_assert_uint_eq(prefix.field_length[1], 16);
    ck_assert_uint_eq(prefix.field_length[2], 6);
    ck_assert_uint_eq(prefix.total_length, frame.length);
    ck_assert_int_eq(memcmp(frame.data + prefix.prefix_length + 24, "1,2,3\n", 6), 0);
    buffer_free(&frame);
}
END_TEST

START_TEST(response_carries_status)
{
    struct buffer frame = build(IPC_RESPONSE, 418, "text/plain", "", "teapot");
    struct ipc_prefix prefix;
    ck_assert_int_eq(ipc_prefix_parse(frame.data, frame.length, 1 << 20, &prefix, NULL), OK);
    ck_assert_int_eq(prefix.kind, IPC_RESPONSE);
    ck_assert_uint_eq(prefix.status, 418);
    buffer_free(&frame);
}
END_TEST

START_TEST(partial_prefix_asks_for_more)
{
    struct buffer frame = build(IPC_ERROR, 500, "ValueError", "bad", "trace");
    struct ipc_prefix prefix;
    for (size_t cut = 0; cut < IPC_HEAD_SIZE + 24; cut++)
        ck_assert_int_eq(ipc_prefix_parse(frame.data, cut, 1 << 20, &prefix, NULL), ERR_DECLINED);
    ck_assert_int_eq(ipc_prefix_parse(frame.data, IPC_HEAD_SIZE + 24, 1 << 20, &prefix, NULL), OK);
    buffer_free(&frame);
}
END_TEST

START_TEST(ready_has_one_field)
{
    unsigned char prefix_bytes[IPC_PREFIX_MAX];
    uint64_t length = 0;
    struct ipc_prefix prefix;
    size_t n = ipc_prefix_write(prefix_bytes, IPC_READY, 0, 0, &length, 1);
    ck_assert_uint_eq(n, IPC_HEAD_SIZE + 8);
    ck_assert_int_eq(ipc_prefix_parse(prefix_bytes, n, 100, &prefix, NULL), OK);
    ck_assert_uint_eq(prefix.total_length, n);
}
END_TEST

START_TEST(malformed_prefixes_are_refused)
{
    unsigned char bytes[IPC_PREFIX_MAX] = { 0 };
    uint32_t head[4];
    uint64_t lengths[3] = { 1, 2, 3 };
    struct ipc_prefix prefix;
    struct error err;

    head[0] = 99; head[1] = 0; head[2] = 3; head[3] = 0;               /* unknown kind */
    memcpy(bytes, head, sizeof head);
    ck_assert_int_eq(ipc_prefix_parse(bytes, sizeof bytes, 100, &prefix, &err), ERR_BAD_INPUT);
    ck_assert_ptr_nonnull(strstr(err.message, "unknown frame kind"));

    head[0] = IPC_REQUEST; head[2] = 2;                                 /* wrong field count */
    memcpy(bytes, head, sizeof head);
    ck_assert_int_eq(ipc_prefix_parse(bytes, sizeof bytes, 100, &prefix, &err), ERR_BAD_INPUT);

    head[2] = 3; head[3] = 6;                                           /* unknown flags */
    memcpy(bytes, head, sizeof head);
    ck_assert_int_eq(ipc_prefix_parse(bytes, sizeof bytes, 100, &prefix, &err), ERR_BAD_INPUT);

    lengths[2] = UINT64_MAX - 1;                                        /* overflowing lengths */
    ipc_prefix_write(bytes, IPC_REQUEST, 0, 0, lengths, 3);
    ck_assert_int_eq(ipc_prefix_parse(bytes, sizeof bytes, UINT64_MAX, &prefix, &err), ERR_BAD_INPUT);
    ck_assert_ptr_nonnull(strstr(err.message, "limit"));

    lengths[2] = 80;                                                    /* over the caller's limit */
    ipc_prefix_write(bytes, IPC_REQUEST, 0, 0, lengths, 3);
    ck_assert_int_eq(ipc_prefix_parse(bytes, sizeof bytes, 100, &prefix, &err), ERR_BAD_INPUT);
}
END_TEST

/* A body in a file is counted in its field but not in what the channel carries. */
START_TEST(body_in_file_leaves_the_channel)
{
    unsigned char bytes[IPC_PREFIX_MAX];
    uint64_t lengths[3] = { 16, 3, 5000000 };
    struct ipc_prefix prefix;
    struct error err;
    size_t n;

    n = ipc_prefix_write(bytes, IPC_RESPONSE, 200, IPC_FLAG_BODY_IN_FILE, lengths, 3);
    ck_assert_int_eq(ipc_prefix_parse(bytes, n, UINT64_MAX, &prefix, &err), OK);
    ck_assert_uint_eq(prefix.flags, IPC_FLAG_BODY_IN_FILE);
    ck_assert_uint_eq(prefix.field_length[2], 5000000);
    ck_assert_uint_eq(prefix.total_length, n + 16 + 3);
    n = ipc_prefix_write(bytes, IPC_REQUEST, 0, IPC_FLAG_BODY_IN_FILE, lengths, 3);
    ck_assert_int_eq(ipc_prefix_parse(bytes, n, UINT64_MAX, &prefix, &err), OK);
    ck_assert_uint_eq(prefix.total_length, n + 16 + 3);
    /* The body still counts against the size limit. */
    ck_assert_int_eq(ipc_prefix_parse(bytes, n, 1000000, &prefix, &err), ERR_BAD_INPUT);
    /* Errors and READY frames carry no body file. */
    n = ipc_prefix_write(bytes, IPC_ERROR, 500, IPC_FLAG_BODY_IN_FILE, lengths, 3);
    ck_assert_int_eq(ipc_prefix_parse(bytes, n, UINT64_MAX, &prefix, &err), ERR_BAD_INPUT);
    ck_assert_ptr_nonnull(strstr(err.message, "flags"));
    n = ipc_prefix_write(bytes, IPC_READY, 0, IPC_FLAG_BODY_IN_FILE, lengths, 1);
    ck_assert_int_eq(ipc_prefix_parse(bytes, n, UINT64_MAX, &prefix, &err), ERR_BAD_INPUT);
}
END_TEST

START_TEST(header_pairs_iterate)
{
    const char headers[] = "X-A\0one\0X-B\0two\0";
    const char *name, *value;
    size_t cursor = 0;
    ck_assert_int_eq(ipc_headers_next(headers, sizeof headers - 1, &cursor, &name, &value), 1);
    ck_assert_str_eq(name, "X-A");
    ck_assert_str_eq(value, "one");
    ck_assert_int_eq(ipc_headers_next(headers, sizeof headers - 1, &cursor, &name, &value), 1);
    ck_assert_str_eq(name, "X-B");
    ck_assert_str_eq(value, "two");
    ck_assert_int_eq(ipc_headers_next(headers, sizeof headers - 1, &cursor, &name, &value), 0);
    cursor = 0;   /* a pair cut short is not returned */
    ck_assert_int_eq(ipc_headers_next("X-A\0on", 6, &cursor, &name, &value), 0);
}
END_TEST

int main(void)
{
    Suite *suite = suite_create("ipc");
    TCase *tcase = tcase_create("framing");
    SRunner *runner;
    int failed;
    tcase_add_test(tcase, request_round_trip);
    tcase_add_test(tcase, response_carries_status);
    tcase_add_test(tcase, partial_prefix_asks_for_more);
    tcase_add_test(tcase, ready_has_one_field);
    tcase_add_test(tcase, malformed_prefixes_are_refused);
    tcase_add_test(tcase, body_in_file_leaves_the_channel);
    tcase_add_test(tcase, header_pairs_iterate);
    suite_add_tcase(suite, tcase);
    runner = srunner_create(suite);
    srunner_run_all(runner, CK_NORMAL);
    failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? 0 : 1;
}
