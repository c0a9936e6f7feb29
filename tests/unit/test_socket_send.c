/* socket_send: direct when nothing is queued, the rest queued in order, no
 * SIGPIPE from a closed peer. */
#include <check.h>
#include <event2/buffer.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "socket_send.h"

static void make_pair(int pair[2])
{
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
    fcntl(pair[0], F_SETFL, O_NONBLOCK);
}

/* Reads everything pair[1] has until n bytes arrived. */
static void read_exactly(int fd, char *out, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, out + got, n - got);
        ck_assert_int_gt(r, 0);
        got += (size_t)r;
    }
}

START_TEST(small_message_goes_out_at_once)
{
    int pair[2];
    char got[64];
    struct evbuffer *body = evbuffer_new(), *queue = evbuffer_new();
    struct iovec head[2] = { { "HEAD", 4 }, { "-", 1 } };
    make_pair(pair);
    evbuffer_add(body, "body", 4);
    ck_assert_uint_eq(socket_send(pair[0], head, 2, body, queue), 9);
    ck_assert_uint_eq(evbuffer_get_length(queue), 0);
    ck_assert_uint_eq(evbuffer_get_length(body), 0);
    read_exactly(pair[1], got, 9);
    ck_assert_int_eq(memcmp(got, "HEAD-body", 9), 0);
    evbuffer_free(body);
    evbuffer_free(queue);
    close(pair[0]);
    close(pair[1]);
}
END_TEST

START_TEST(waits_behind_what_is_queued)
{
    int pair[2];
    struct evbuffer *body = evbuffer_new(), *queue = evbuffer_new();
    struct iovec head[1] = { { "second", 6 } };
    char got[32];
    make_pair(pair);
    evbuffer_add(queue, "first-", 6);
    evbuffer_add(body, "+body", 5);
    ck_assert_uint_eq(socket_send(pair[0], head, 1, body, queue), 0);
    ck_assert_uint_eq(evbuffer_get_length(queue), 17);
    ck_assert_int_eq(memcmp(evbuffer_pullup(queue, -1), "first-second+body", 17), 0);
    ck_assert_uint_eq(evbuffer_get_length(body), 0);
    /* nothing reached the socket */
    ck_assert_int_eq(recv(pair[1], got, sizeof got, MSG_DONTWAIT), -1);
    evbuffer_free(body);
    evbuffer_free(queue);
    close(pair[0]);
    close(pair[1]);
}
END_TEST

/* A message larger than the socket takes: what went out plus what was
 * queued is the whole message, in order. */
START_TEST(the_rest_is_queued_in_order)
{
    int pair[2];
    size_t body_length = 4 << 20, sent, total = 10 + body_length;
    char *data = malloc(body_length), *got = malloc(total);
    struct evbuffer *body = evbuffer_new(), *queue = evbuffer_new();
    struct iovec head[1] = { { "0123456789", 10 } };
    make_pair(pair);
    for (size_t i = 0; i < body_length; i++)
        data[i] = (char)(i * 13 + 1);
    evbuffer_add(body, data, body_length);
    sent = socket_send(pair[0], head, 1, body, queue);
    ck_assert_uint_gt(sent, 0);
    ck_assert_uint_lt(sent, total);
    ck_assert_uint_eq(sent + evbuffer_get_length(queue), total);
    /* drain the socket, then the queue, and compare */
    read_exactly(pair[1], got, sent);
    evbuffer_remove(queue, got + sent, total - sent);
    ck_assert_int_eq(memcmp(got, "0123456789", 10), 0);
    ck_assert_int_eq(memcmp(got + 10, data, body_length), 0);
    free(data);
    free(got);
    evbuffer_free(body);
    evbuffer_free(queue);
    close(pair[0]);
    close(pair[1]);
}
END_TEST

START_TEST(closed_peer_raises_no_signal)
{
    int pair[2];
    struct evbuffer *queue = evbuffer_new();
    struct iovec head[1] = { { "x", 1 } };
    make_pair(pair);
    close(pair[1]);
    signal(SIGPIPE, SIG_DFL);   /* a SIGPIPE would kill the test */
    ck_assert_uint_eq(socket_send(pair[0], head, 1, NULL, queue), 0);
    ck_assert_uint_eq(evbuffer_get_length(queue), 1);
    evbuffer_free(queue);
    close(pair[0]);
}
END_TEST

int main(void)
{
    Suite *suite = suite_create("socket_send");
    TCase *tcase = tcase_create("socket_send");
    SRunner *runner;
    int failed;
    tcase_add_test(tcase, small_message_goes_out_at_once);
    tcase_add_test(tcase, waits_behind_what_is_queued);
    tcase_add_test(tcase, the_rest_is_queued_in_order);
    tcase_add_test(tcase, closed_peer_raises_no_signal);
    suite_add_tcase(suite, tcase);
    runner = srunner_create(suite);
    srunner_run_all(runner, CK_NORMAL);
    failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? 0 : 1;
}
