/*
 * socket_drain: large reads of what a socket already holds; see the header
 * for why libevent's own reads are not enough.
 */
#include "socket_drain.h"

#include <sys/ioctl.h>
#include <sys/uio.h>

/* One read's ceiling: past this the copy, not the syscall, is the cost. */
#define SOCKET_DRAIN_CHUNK (1u << 20)

size_t socket_drain(struct evbuffer *input, evutil_socket_t fd, size_t limit)
{
    size_t total = 0;

    /* A bufferevent keeps its input's end frozen so that only its own reads
     * append; ours stand in for those reads, so thaw it meanwhile. */
    evbuffer_unfreeze(input, 0);
    while (total < limit) {
        struct evbuffer_iovec space[2];
        struct iovec vectors[2];
        int ready = 0, count;
        size_t want;
        ssize_t got;

        /* Only bytes the kernel already holds: a read for more could return
         * EOF or an error, which belong to the bufferevent's own handling. */
        if (ioctl(fd, FIONREAD, &ready) != 0 || ready <= 0)
            break;
        want = (size_t)ready;
        if (want > limit - total)
            want = limit - total;
        if (want > SOCKET_DRAIN_CHUNK)
            want = SOCKET_DRAIN_CHUNK;
        count = evbuffer_reserve_space(input, (ev_ssize_t)want, space, 2);
        if (count <= 0)
            break;
        /* The reservation may be larger than asked; read no more than want. */
        size_t room = want;
        int filled = 0;
        for (int i = 0; i < count && room > 0; i++, filled++) {
            vectors[i].iov_base = space[i].iov_base;
            vectors[i].iov_len = space[i].iov_len < room ? space[i].iov_len : room;
            room -= vectors[i].iov_len;
        }
        got = readv(fd, vectors, filled);
        if (got <= 0) {
            evbuffer_commit_space(input, space, 0);
            break;
        }
        /* Commit exactly what arrived: trim the vectors to `got` bytes. */
        size_t left = (size_t)got;
        int used = 0;
        while (used < count && left > 0) {
            if (space[used].iov_len > left)
                space[used].iov_len = left;
            left -= space[used].iov_len;
            used++;
        }
        evbuffer_commit_space(input, space, used);
        total += (size_t)got;
        if ((size_t)got < want)
            break;
    }
    evbuffer_freeze(input, 0);
    return total;
}
