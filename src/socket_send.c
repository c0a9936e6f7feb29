/*
 * socket_send: direct writes ahead of a bufferevent; see the header for why.
 */
#include "socket_send.h"

#include <errno.h>
#include <sys/socket.h>

/* Head pieces plus body pieces in one sendmsg; a body in more pieces than
 * this is written by the bufferevent (it is large: one more loop iteration
 * does not matter). */
#define SOCKET_SEND_PIECES 16

size_t socket_send(evutil_socket_t fd, const struct iovec *head, int head_count, struct evbuffer *body,
                   struct evbuffer *queue)
{
    struct iovec pieces[SOCKET_SEND_PIECES];
    struct evbuffer_iovec body_pieces[SOCKET_SEND_PIECES];
    struct msghdr message = { 0 };
    size_t head_length = 0, body_length = body != NULL ? evbuffer_get_length(body) : 0, sent = 0;
    int count = 0, body_count = 0;
    ssize_t put = -1;

    for (int i = 0; i < head_count; i++)
        head_length += head[i].iov_len;
    if (body_length > 0)
        body_count = evbuffer_peek(body, -1, NULL, body_pieces, SOCKET_SEND_PIECES);
    /* Only with nothing queued ahead (order), and when all of it fits in one
     * call's vector. */
    if (evbuffer_get_length(queue) == 0 && head_count + body_count <= SOCKET_SEND_PIECES) {
        for (int i = 0; i < head_count; i++)
            if (head[i].iov_len > 0)
                pieces[count++] = head[i];
        for (int i = 0; i < body_count; i++)
            pieces[count++] = (struct iovec){ body_pieces[i].iov_base, body_pieces[i].iov_len };
        message.msg_iov = pieces;
        message.msg_iovlen = (size_t)count;
        do {
            put = sendmsg(fd, &message, MSG_NOSIGNAL | MSG_DONTWAIT);
        } while (put < 0 && errno == EINTR);
        if (put > 0)
            sent = (size_t)put;
    }
    /* Queue the rest of the head, then the rest of the body. */
    size_t done = sent;
    for (int i = 0; i < head_count; i++) {
        size_t skip = done < head[i].iov_len ? done : head[i].iov_len;
        if (skip < head[i].iov_len)
            evbuffer_add(queue, (const char *)head[i].iov_base + skip, head[i].iov_len - skip);
        done -= skip;
    }
    if (body_length > 0) {
        if (sent > head_length)
            evbuffer_drain(body, sent - head_length);
        evbuffer_add_buffer(queue, body);
    }
    return sent;
}
