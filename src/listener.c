#include "listener.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int listener_socket(const struct addrinfo *address, struct error *err, const char *host, int port)
{
    int one = 1;
    int fd = socket(address->ai_family, address->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                    address->ai_protocol);
    if (fd < 0) {
        error_set(err, ERR_IO, "socket for %s:%d: %s", host, port, strerror(errno));
        return -1;
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    /* Linux copies TCP_NODELAY to accepted sockets; evhttp gives us no hook
     * between accept() and the first read, so set it here. */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (address->ai_family == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    if (bind(fd, address->ai_addr, address->ai_addrlen) != 0 || listen(fd, 1024) != 0) {
        error_set(err, ERR_IO, "cannot listen on %s:%d: %s", host, port, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

enum error_code listener_open(const char *host, int port, int *fds, int *count, struct error *err)
{
    struct addrinfo hints, *addresses = NULL;
    char service[16];
    int rc;

    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    snprintf(service, sizeof service, "%d", port);
    rc = getaddrinfo(host[0] ? host : NULL, service, &hints, &addresses);
    if (rc != 0)
        return error_set(err, ERR_CONFIG, "cannot resolve bind address %s: %s", host, gai_strerror(rc));
    *count = 0;
    for (struct addrinfo *address = addresses; address && *count < LISTENER_MAX_SOCKETS; address = address->ai_next) {
        int fd = listener_socket(address, err, host, port);
        if (fd < 0) {
            for (int i = 0; i < *count; i++)
                close(fds[i]);
            *count = 0;
            freeaddrinfo(addresses);
            return ERR_IO;
        }
        fds[(*count)++] = fd;
    }
    freeaddrinfo(addresses);
    if (*count == 0)
        return error_set(err, ERR_CONFIG, "bind address %s resolves to nothing", host);
    return OK;
}
