/*
 * socket_drain: move what a socket has already received into an evbuffer in
 * large reads.
 *
 * libevent 2.1's evbuffer_read() takes at most 4096 bytes per call
 * (EVBUFFER_MAX_READ), whatever bufferevent_set_max_single_read() says, so a
 * bufferevent receiving a 4 MB body pays about a thousand readv + ioctl +
 * epoll_wait rounds.  Called from a bufferevent's read callback, this reads
 * the rest of what the kernel holds in a few calls.
 */
#ifndef HOOKHOST_SOCKET_DRAIN_H
#define HOOKHOST_SOCKET_DRAIN_H

#include <event2/buffer.h>
#include <event2/util.h>
#include <stddef.h>

/* Appends to input up to `limit` bytes that fd has ready now (FIONREAD), in
 * reads of up to 1 MiB.  Never blocks and never reads end-of-file or an error:
 * it stops short of them and leaves them to the bufferevent's next read.
 * Returns the number of bytes appended. */
size_t socket_drain(struct evbuffer *input, evutil_socket_t fd, size_t limit);

#endif
