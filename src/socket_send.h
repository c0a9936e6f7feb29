/*
 * socket_send: write a message straight to a bufferevent's socket when
 * nothing is queued ahead of it, and queue only what the socket would not take.
 *
 * Adding to a bufferevent's output arms its write event (an epoll_ctl), the
 * write happens a loop iteration later, and disarming the event costs another
 * epoll_ctl: per request, on each of the master's two sockets.  Replies and
 * request frames are small enough to go out in one sendmsg nearly always.
 */
#ifndef HOOKHOST_SOCKET_SEND_H
#define HOOKHOST_SOCKET_SEND_H

#include <event2/buffer.h>
#include <event2/util.h>
#include <stddef.h>
#include <sys/uio.h>

/* Sends head[0, head_count) and then body (may be NULL) to fd, in that order,
 * after what queue already holds: directly when queue is empty, as much as the
 * socket takes without blocking; whatever is left, head bytes and body chains,
 * is appended to queue for the bufferevent to write.  body is left empty.
 * Errors of the direct write (EPIPE, ...) are left for the bufferevent to meet
 * on its own write; no SIGPIPE.  Returns the bytes written directly. */
size_t socket_send(evutil_socket_t fd, const struct iovec *head, int head_count, struct evbuffer *body,
                   struct evbuffer *queue);

#endif
