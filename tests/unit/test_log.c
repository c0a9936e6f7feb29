/* log: record format, levels, multi-line records, limits, one write each.
 *
 * Records go to one end of a SOCK_SEQPACKET socketpair: every write(2) is
 * one packet there, so a recv() returns exactly one record and the tests can
 * tell one write from several. */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static int sockets[2] = { -1, -1 };

static void open_sink(void)
{
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sockets), 0);
}

static void close_sink(void)
{
    close(sockets[0]);
    close(sockets[1]);
}

/* The next record (one write) into record, NUL-terminated; its length, or
 * -1 when nothing was written. */
static ssize_t next_record(char *record, size_t size)
{
    ssize_t got = recv(sockets[0], record, size - 1, MSG_DONTWAIT);
    if (got < 0) {
        ck_assert(errno == EAGAIN || errno == EWOULDBLOCK);
        record[0] = '\0';
        return -1;
    }
    record[got] = '\0';
    return got;
}

static size_t count_lines(const char *text)
{
    size_t lines = 0;
    for (; *text != '\0'; text++)
        lines += *text == '\n';
    return lines;
}

/* Asserts that line (up to '\n') is "<time> <level> [<role> <pid>] <message>". */
static void assert_line(const char *line, const char *level, const char *role, const char *message)
{
    char pattern[512], expected_tail[4096 + 256];
    const char *end = strchr(line, '\n');
    char copy[4096 + 256];
    regex_t regex;

    ck_assert_ptr_nonnull(end);
    ck_assert_uint_lt((size_t)(end - line), sizeof copy);
    memcpy(copy, line, (size_t)(end - line));
    copy[end - line] = '\0';
    snprintf(pattern, sizeof pattern,
             "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z %s \\[%s %ld\\] ", level, role,
             (long)getpid());
    ck_assert_int_eq(regcomp(&regex, pattern, REG_EXTENDED | REG_NOSUB), 0);
    ck_assert_msg(regexec(&regex, copy, 0, NULL, 0) == 0, "line %s does not match %s", copy, pattern);
    regfree(&regex);
    snprintf(expected_tail, sizeof expected_tail, "] %s", message);
    ck_assert_str_eq(strstr(copy, "] "), expected_tail);
}

START_TEST(format_of_a_record)
{
    char record[8192];
    open_sink();
    log_setup_fd(LOG_INFO, "master", sockets[1]);
    log_write(LOG_INFO, "listening on %s:%d", "0.0.0.0", 8080);
    ck_assert_int_gt(next_record(record, sizeof record), 0);
    ck_assert_uint_eq(count_lines(record), 1);
    assert_line(record, "INFO", "master", "listening on 0.0.0.0:8080");
    ck_assert_int_eq(next_record(record, sizeof record), -1);
    close_sink();
}
END_TEST

START_TEST(time_is_now_in_utc)
{
    char record[8192];
    struct tm parsed;
    time_t before = time(NULL), after, logged;

    memset(&parsed, 0, sizeof parsed);
    open_sink();
    log_setup_fd(LOG_DEBUG, "worker-1", sockets[1]);
    log_write(LOG_DEBUG, "tick");
    after = time(NULL);
    ck_assert_int_gt(next_record(record, sizeof record), 0);
    ck_assert_ptr_nonnull(strptime(record, "%Y-%m-%dT%H:%M:%S", &parsed));
    logged = timegm(&parsed);
    ck_assert_int_ge(logged, before);
    ck_assert_int_le(logged, after);
    assert_line(record, "DEBUG", "worker-1", "tick");
    close_sink();
}
END_TEST

START_TEST(levels_filter_and_name)
{
    char record[8192];
    open_sink();
    log_setup_fd(LOG_WARNING, "master", sockets[1]);
    ck_assert(!log_enabled(LOG_DEBUG));
    ck_assert(!log_enabled(LOG_INFO));
    ck_assert(log_enabled(LOG_WARNING));
    ck_assert(log_enabled(LOG_CRITICAL));
    log_write(LOG_INFO, "dropped");
    log_lines(LOG_INFO, "dropped\n", 8);
    ck_assert_int_eq(next_record(record, sizeof record), -1);
    log_write(LOG_WARNING, "w");
    next_record(record, sizeof record);
    assert_line(record, "WARNING", "master", "w");
    log_write(LOG_ERROR, "e");
    next_record(record, sizeof record);
    assert_line(record, "ERROR", "master", "e");
    log_write(LOG_CRITICAL, "c");
    next_record(record, sizeof record);
    assert_line(record, "CRITICAL", "master", "c");
    /* Levels between the standard ones show the one below. */
    log_write(35, "between");
    next_record(record, sizeof record);
    assert_line(record, "WARNING", "master", "between");
    close_sink();

    ck_assert_str_eq(log_level_name(0), "DEBUG");
    ck_assert_str_eq(log_level_name(10), "DEBUG");
    ck_assert_str_eq(log_level_name(15), "DEBUG");
    ck_assert_str_eq(log_level_name(20), "INFO");
    ck_assert_str_eq(log_level_name(30), "WARNING");
    ck_assert_str_eq(log_level_name(40), "ERROR");
    ck_assert_str_eq(log_level_name(50), "CRITICAL");
    ck_assert_str_eq(log_level_name(60), "CRITICAL");
}
END_TEST

START_TEST(defaults_before_setup_go_to_stderr)
{
    char record[8192];
    int saved = dup(2);

    open_sink();
    ck_assert(log_enabled(LOG_INFO));
    ck_assert(!log_enabled(LOG_DEBUG));
    ck_assert_int_eq(dup2(sockets[1], 2), 2);
    log_write(LOG_INFO, "early");
    log_write(LOG_DEBUG, "hidden");
    dup2(saved, 2);
    close(saved);
    ck_assert_int_gt(next_record(record, sizeof record), 0);
    assert_line(record, "INFO", "hookhost", "early");
    ck_assert_int_eq(next_record(record, sizeof record), -1);

    /* log_setup itself writes to fd 2 too. */
    saved = dup(2);
    ck_assert_int_eq(dup2(sockets[1], 2), 2);
    log_setup(LOG_INFO, "worker-7");
    log_write(LOG_INFO, "later");
    dup2(saved, 2);
    close(saved);
    next_record(record, sizeof record);
    assert_line(record, "INFO", "worker-7", "later");
    close_sink();
}
END_TEST

START_TEST(embedded_newlines_are_prefixed_lines_in_one_write)
{
    char record[8192];
    char *second, *third;

    open_sink();
    log_setup_fd(LOG_INFO, "master", sockets[1]);
    log_write(LOG_ERROR, "first\nsecond\n\nfourth\n");
    ck_assert_int_gt(next_record(record, sizeof record), 0);
    ck_assert_uint_eq(count_lines(record), 4); /* trailing newline dropped */
    assert_line(record, "ERROR", "master", "first");
    second = strchr(record, '\n') + 1;
    assert_line(second, "ERROR", "master", "second");
    third = strchr(second, '\n') + 1;
    assert_line(third, "ERROR", "master", "");
    assert_line(strchr(third, '\n') + 1, "ERROR", "master", "fourth");
    ck_assert_int_eq(next_record(record, sizeof record), -1);
    close_sink();
}
END_TEST

START_TEST(long_message_is_cut_with_marker)
{
    char record[8192];
    char *message = malloc(20000);
    ssize_t length;

    memset(message, 'x', 19999);
    message[19999] = '\0';
    open_sink();
    log_setup_fd(LOG_INFO, "master", sockets[1]);
    log_write(LOG_INFO, "%s", message);
    length = next_record(record, sizeof record);
    ck_assert_int_eq(length, LOG_RECORD_MAX);
    ck_assert_uint_eq(count_lines(record), 1);
    ck_assert_str_eq(record + length - 5, "x...\n");
    ck_assert_int_eq(next_record(record, sizeof record), -1);

    /* Many short lines: whole lines, then the marker, still one write. */
    for (int i = 0; i < 19999; i++)
        message[i] = i % 10 == 9 ? '\n' : 'y';
    log_write(LOG_INFO, "%s", message);
    length = next_record(record, sizeof record);
    ck_assert_int_le(length, LOG_RECORD_MAX);
    ck_assert_int_gt(length, LOG_RECORD_MAX - 200);
    ck_assert_str_eq(record + length - 4, "...\n");
    ck_assert_int_eq(next_record(record, sizeof record), -1);
    free(message);
    close_sink();
}
END_TEST

START_TEST(lines_of_text)
{
    char record[8192];
    const char *text = "Traceback (most recent call last):\r\n  File \"x.py\"\n\nValueError: bad";

    open_sink();
    log_setup_fd(LOG_INFO, "worker-2", sockets[1]);
    log_lines(LOG_ERROR, text, strlen(text));
    ck_assert_int_gt(next_record(record, sizeof record), 0);
    ck_assert_uint_eq(count_lines(record), 4);
    assert_line(record, "ERROR", "worker-2", "Traceback (most recent call last):");
    assert_line(strchr(record, '\n') + 1, "ERROR", "worker-2", "  File \"x.py\"");
    ck_assert_ptr_nonnull(strstr(record, "] ValueError: bad\n"));
    ck_assert_int_eq(next_record(record, sizeof record), -1);

    /* A trailing newline adds no empty line; no text writes nothing. */
    log_lines(LOG_INFO, "printed\n", 8);
    next_record(record, sizeof record);
    ck_assert_uint_eq(count_lines(record), 1);
    assert_line(record, "INFO", "worker-2", "printed");
    log_lines(LOG_INFO, "", 0);
    ck_assert_int_eq(next_record(record, sizeof record), -1);
    /* Only length bytes count. */
    log_lines(LOG_INFO, "abcdef", 3);
    next_record(record, sizeof record);
    assert_line(record, "INFO", "worker-2", "abc");
    close_sink();
}
END_TEST

START_TEST(many_lines_fill_several_whole_writes)
{
    char record[8192], expected[64], *text = malloc(100 * 64);
    size_t length = 0, seen = 0;
    ssize_t got;
    int records = 0;

    for (int i = 0; i < 100; i++)
        length += (size_t)sprintf(text + length, "line %03d %s\n", i, "................................");
    open_sink();
    log_setup_fd(LOG_INFO, "worker-3", sockets[1]);
    log_lines(LOG_INFO, text, length);
    while ((got = next_record(record, sizeof record)) > 0) {
        char *line = record;
        records++;
        ck_assert_int_le(got, LOG_RECORD_MAX);
        ck_assert_int_eq(record[got - 1], '\n');
        while (*line != '\0') {
            snprintf(expected, sizeof expected, "line %03zu %s", seen, "................................");
            assert_line(line, "INFO", "worker-3", expected);
            seen++;
            line = strchr(line, '\n') + 1;
        }
    }
    ck_assert_uint_eq(seen, 100);
    ck_assert_int_gt(records, 1);
    ck_assert_int_lt(records, 5);
    free(text);
    close_sink();
}
END_TEST

START_TEST(overlong_line_of_text_is_cut)
{
    char record[8192];
    char *text = malloc(10000);
    ssize_t length;

    memset(text, 'z', 10000);
    memcpy(text + 5000, "\nshort\n", 7);
    open_sink();
    log_setup_fd(LOG_INFO, "worker-1", sockets[1]);
    log_lines(LOG_INFO, text, 10000);
    length = next_record(record, sizeof record);
    ck_assert_int_eq(length, LOG_RECORD_MAX);
    ck_assert_uint_eq(count_lines(record), 1);
    ck_assert_str_eq(record + length - 5, "z...\n");
    /* The short line still arrives, in a write of its own since the long
     * line after it (4993 bytes) fits no record and is cut in a third. */
    length = next_record(record, sizeof record);
    ck_assert_int_gt(length, 0);
    ck_assert_uint_eq(count_lines(record), 1);
    assert_line(record, "INFO", "worker-1", "short");
    length = next_record(record, sizeof record);
    ck_assert_int_eq(length, LOG_RECORD_MAX);
    ck_assert_str_eq(record + length - 5, "z...\n");
    ck_assert_int_eq(next_record(record, sizeof record), -1);
    free(text);
    close_sink();
}
END_TEST

START_TEST(role_is_bounded_and_errno_kept)
{
    char record[8192], role[100];
    char expected[LOG_ROLE_MAX];

    memset(role, 'r', sizeof role - 1);
    role[sizeof role - 1] = '\0';
    memset(expected, 'r', sizeof expected - 1);
    expected[sizeof expected - 1] = '\0';
    open_sink();
    log_setup_fd(LOG_INFO, role, sockets[1]);
    errno = ENOENT;
    log_write(LOG_INFO, "m");
    ck_assert_int_eq(errno, ENOENT);
    log_lines(LOG_INFO, "n", 1);
    ck_assert_int_eq(errno, ENOENT);
    next_record(record, sizeof record);
    assert_line(record, "INFO", expected, "m");
    close_sink();

    /* A failing fd loses the record but keeps errno too. */
    log_setup_fd(LOG_INFO, "master", -1);
    errno = EPIPE;
    log_write(LOG_ERROR, "nowhere");
    ck_assert_int_eq(errno, EPIPE);
}
END_TEST

int main(void)
{
    Suite *suite = suite_create("log");
    TCase *tcase = tcase_create("log");
    SRunner *runner;
    int failed;

    /* First, so it also sees the defaults under CK_FORK=no. */
    tcase_add_test(tcase, defaults_before_setup_go_to_stderr);
    tcase_add_test(tcase, format_of_a_record);
    tcase_add_test(tcase, time_is_now_in_utc);
    tcase_add_test(tcase, levels_filter_and_name);
    tcase_add_test(tcase, embedded_newlines_are_prefixed_lines_in_one_write);
    tcase_add_test(tcase, long_message_is_cut_with_marker);
    tcase_add_test(tcase, lines_of_text);
    tcase_add_test(tcase, many_lines_fill_several_whole_writes);
    tcase_add_test(tcase, overlong_line_of_text_is_cut);
    tcase_add_test(tcase, role_is_bounded_and_errno_kept);
    suite_add_tcase(suite, tcase);
    runner = srunner_create(suite);
    srunner_run_all(runner, CK_NORMAL);
    failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? 0 : 1;
}
