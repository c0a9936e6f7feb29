/*
 * master: wiring and the drain.
 *
 * Signals arrive through libevent (evsignal), so handlers run as ordinary
 * callbacks in the loop and can touch any state.  The drain polls every
 * 20 ms for "nothing arriving, nothing queued, nothing in a worker, every
 * reply written";
 * polling keeps the drain independent of which component finishes last.
 */
#include "master.h"

#include <event2/event.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "dispatch.h"
#include "http.h"
#include "listener.h"
#include "log.h"
#include "supervisor.h"

struct master {
    const struct config *config;
    struct event_base *base;
    struct http_server *http;
    struct supervisor *supervisor;
    struct dispatch *dispatch;
    struct event *sigterm;
    struct event *sigint;
    struct event *drain_poll;
    struct event *grace_deadline;
    int listen_fds[LISTENER_MAX_SOCKETS];
    int listen_count;
    bool draining;
    int exit_status;
};

static void master_workers_gone(void *arg)
{
    struct master *master = arg;
    event_base_loopexit(master->base, NULL);
}

static void master_drain_poll(evutil_socket_t fd, short what, void *arg)
{
    struct master *master = arg;
    struct timeval again = { 0, 20 * 1000 };
    (void)fd;
    (void)what;

    /* A request still uploading when the signal came is in flight too. */
    if (dispatch_outstanding(master->dispatch) > 0 || http_server_requests_unanswered(master->http) > 0 ||
        http_server_replies_in_flight(master->http) > 0) {
        evtimer_add(master->drain_poll, &again);
        return;
    }
    log_write(LOG_INFO, "every request is answered; stopping the workers");
    supervisor_shutdown(master->supervisor, master_workers_gone, master);
}

static void master_force_exit(struct master *master, const char *why)
{
    log_write(LOG_WARNING, "%s: ending now with %zu request(s) unfinished", why,
              dispatch_outstanding(master->dispatch));
    supervisor_kill_all(master->supervisor);
    master->exit_status = 1;
    event_base_loopbreak(master->base);
}

static void master_fatal(void *arg, const char *message)
{
    struct master *master = arg;
    log_write(LOG_CRITICAL, "the script cannot be served: %s", message ? message : "(no message)");
    http_server_stop_accepting(master->http);
    supervisor_kill_all(master->supervisor);
    master->exit_status = 3;
    event_base_loopbreak(master->base);
}

static void master_grace_over(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    master_force_exit(arg, "HOOKHOST_GRACEFUL_TIMEOUT reached");
}

static void master_signal(evutil_socket_t signal_number, short what, void *arg)
{
    struct master *master = arg;
    struct timeval grace = { master->config->graceful_timeout_seconds, 0 };
    struct timeval now = { 0, 0 };
    (void)what;

    if (master->draining) {
        master_force_exit(master, "second signal");
        return;
    }
    master->draining = true;
    log_write(LOG_INFO, "%s received: no new connections; finishing %zu request(s)",
              signal_number == SIGINT ? "SIGINT" : "SIGTERM", dispatch_outstanding(master->dispatch));
    http_server_stop_accepting(master->http);
    evtimer_add(master->grace_deadline, &grace);
    evtimer_add(master->drain_poll, &now);
}

static void master_free(struct master *master)
{
    if (master->sigterm) event_free(master->sigterm);
    if (master->sigint) event_free(master->sigint);
    if (master->drain_poll) event_free(master->drain_poll);
    if (master->grace_deadline) event_free(master->grace_deadline);
    dispatch_free(master->dispatch);
    http_server_free(master->http);
    supervisor_free(master->supervisor);
    if (master->base) event_base_free(master->base);
}

int master_run(const struct config *config, const char *argv0, int serve_argc, char **serve_argv)
{
    struct master master = { .config = config };
    struct error err;

    error_clear(&err);
    signal(SIGPIPE, SIG_IGN);
    master.base = event_base_new();
    if (master.base == NULL) {
        log_write(LOG_CRITICAL, "cannot create the event loop");
        return 1;
    }
    if (listener_open(config->bind_host, config->port, master.listen_fds, &master.listen_count, &err) != OK) {
        log_write(LOG_CRITICAL, "%s", err.message);
        master_free(&master);
        return 1;
    }
    master.supervisor = supervisor_new(config, master.base, argv0, serve_argc, serve_argv);
    master.http = master.supervisor ? http_server_new(config, master.base, master.supervisor, &err) : NULL;
    master.dispatch = master.http ? dispatch_new(config, master.base, master.supervisor, master.http) : NULL;
    master.sigterm = evsignal_new(master.base, SIGTERM, master_signal, &master);
    master.sigint = evsignal_new(master.base, SIGINT, master_signal, &master);
    master.drain_poll = evtimer_new(master.base, master_drain_poll, &master);
    master.grace_deadline = evtimer_new(master.base, master_grace_over, &master);
    if (master.dispatch == NULL || master.sigterm == NULL || master.sigint == NULL ||
        master.drain_poll == NULL || master.grace_deadline == NULL) {
        log_write(LOG_CRITICAL, "cannot set up the server: %s", err.message[0] ? err.message : "out of memory");
        master_free(&master);
        return 1;
    }
    supervisor_set_dispatch(master.supervisor, master.dispatch);
    supervisor_on_fatal(master.supervisor, master_fatal, &master);
    http_server_set_dispatch(master.http, master.dispatch);
    for (int i = 0; i < master.listen_count; i++) {
        if (http_server_accept(master.http, master.listen_fds[i], &err) != OK) {
            log_write(LOG_CRITICAL, "%s", err.message);
            master_free(&master);
            return 1;
        }
    }
    evsignal_add(master.sigterm, NULL);
    evsignal_add(master.sigint, NULL);
    if (supervisor_start(master.supervisor, &err) != OK) {
        log_write(LOG_CRITICAL, "%s", err.message);
        master_free(&master);
        return 1;
    }
    log_write(LOG_INFO, "listening on %s:%d with %d worker(s), timeout %d s, payload limit %zu MB",
              config->bind_host, config->port, config->workers, config->timeout_seconds,
              config->max_payload_bytes / (1024 * 1024));
    event_base_dispatch(master.base);
    log_write(master.exit_status == 0 ? LOG_INFO : LOG_WARNING, "exiting with status %d", master.exit_status);
    master_free(&master);
    return master.exit_status;
}
