/* socket_drain: large reads of what is ready, within the limit, never past
 * the data into end-of-file, and through a bufferevent's frozen input. */
#include <check.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "socket_drain.h"

/* Writes length patterned bytes into fd (blocking). */
static void write_pattern(int fd, size_t length)
{
    unsigned char chunk[4096];
    size_t done = 0;
    while (done < length) {
        size_t piece = length - done < sizeof chunk ? length - done : sizeof chunk;
        for (size_t i = 0; i < piece; i++)
            chunk[i] = (unsigned char)((done + i) * 7 + 3);
        ck_assert_int_eq(write(fd, chunk, piece), (ssize_t)piece);
        done += piece;
    }
}

static void assert_pattern(struct evbuffer *buffer, size_t offset, size_t length)
{
    unsigned char *data = evbuffer_pullup(buffer, -1);
    for (size_t i = 0; i < length; i++)
        ck_assert_uint_eq(data[i], (unsigned char)((offset + i) * 7 + 3));
}

static void make_pair(int pair[2])
{
    int size = 1 << 20;
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
    setsockopt(pair[0], SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    setsockopt(pair[1], SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
    fcntl(pair[0], F_SETFL, O_NONBLOCK);
}

START_TEST(reads_everything_ready_in_order)
{
    int pair[2];
    struct evbuffer *input = evbuffer_new();
    make_pair(pair);
    write_pattern(pair[1], 100000);
    ck_assert_uint_eq(socket_drain(input, pair[0], 1 << 30), 100000);
    ck_assert_uint_eq(evbuffer_get_length(input), 100000);
    assert_pattern(input, 0, 100000);
    /* Nothing ready: returns 0 and does not block. */
    ck_assert_uint_eq(socket_drain(input, pair[0], 1 << 30), 0);
    evbuffer_free(input);
    close(pair[0]);
    close(pair[1]);
}
END_TEST

START_TEST(stops_at_the_limit_and_leaves_the_rest)
{
    int pair[2];
    struct evbuffer *input = evbuffer_new();
    char rest[100000];
    make_pair(pair);
    write_pattern(pair[1], 50000);
    ck_assert_uint_eq(socket_drain(input, pair[0], 12345), 12345);
    ck_assert_uint_eq(evbuffer_get_length(input), 12345);
    assert_pattern(input, 0, 12345);
    ck_assert_int_eq(read(pair[0], rest, sizeof rest), 50000 - 12345);
    ck_assert_uint_eq(socket_drain(input, pair[0], 0), 0);
    evbuffer_free(input);
    close(pair[0]);
    close(pair[1]);
}
END_TEST

START_TEST(leaves_end_of_file_to_the_caller)
{
    int pair[2];
    char byte;
    struct evbuffer *input = evbuffer_new();
    make_pair(pair);
    write_pattern(pair[1], 3000);
    close(pair[1]);
    ck_assert_uint_eq(socket_drain(input, pair[0], 1 << 30), 3000);
    ck_assert_uint_eq(socket_drain(input, pair[0], 1 << 30), 0);
    /* The end of the stream is still there for the bufferevent to see. */
    ck_assert_int_eq(read(pair[0], &byte, 1), 0);
    evbuffer_free(input);
    close(pair[0]);
}
END_TEST

/* A bufferevent freezes its input's end; socket_drain must still append and
 * must leave it frozen as it found it. */
START_TEST(appends_to_a_bufferevent_input)
{
    int pair[2];
    struct event_base *base = event_base_new();
    struct bufferevent *bufferevent;
    struct evbuffer *input;
    make_pair(pair);
    bufferevent = bufferevent_socket_new(base, pair[0], BEV_OPT_CLOSE_ON_FREE);
    input = bufferevent_get_input(bufferevent);
    write_pattern(pair[1], 300000);
    ck_assert_uint_eq(socket_drain(input, pair[0], 1 << 30), 300000);
    assert_pattern(input, 0, 300000);
    ck_assert_int_eq(evbuffer_add(input, "x", 1), -1);
    bufferevent_free(bufferevent);
    event_base_free(base);
    close(pair[1]);
}
END_TEST

int main(void)
{
    Suite *suite = suite_create("socket_drain");
    TCase *tcase = tcase_create("socket_drain");
    SRunner *runner;
    int failed;
    tcase_add_test(tcase, reads_everything_ready_in_order);
    tcase_add_test(tcase, stops_at_the_limit_and_leaves_the_rest);
    tcase_add_test(tcase, leaves_end_of_file_to_the_caller);
    tcase_add_test(tcase, appends_to_a_bufferevent_input);
    suite_add_tcase(suite, tcase);
    runner = srunner_create(suite);
    srunner_run_all(runner, CK_NORMAL);
    failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? 0 : 1;
}
