/*
 * supervisor: worker processes, from fork+exec to reaping and respawn.
 *
 * A worker is `<this binary> --worker N <serve flags>` with its end of a
 * socketpair on fd 3 and memfds for large request and reply bodies on fds 4
 * and 5 (ipc.h).  It reads the same configuration as the master from the
 * same flags and environment, so nothing needs serialising.  The first frame
 * it sends is READY (model loaded) or LOAD_FAILED (then it exits).
 *
 * Death is noticed twice: the channel reaches EOF, and SIGCHLD reaps the pid.
 * EOF usually comes first (the kernel closes a dying process's files just
 * before it becomes a zombie), but only the reap knows how the process died,
 * so the in-flight request is answered there, with the signal or exit status
 * in its message.  EOF is followed by a SIGKILL, so a process that closed its
 * channel and lives on is reaped too.  The respawn, too, is scheduled only at
 * the reap, when the slot is truly free.
 *
 * Recycling (HOOKHOST_MAX_REQUESTS = N > 0).  Each worker gets two slots, s
 * and its twin s + workers, both named worker-(s % workers + 1).  When the
 * process in one slot has answered N requests, a replacement is spawned into
 * the twin, marked `replacing` it.  The old process keeps taking requests
 * while the replacement loads, so no request waits for a model load.  When
 * the replacement reports READY the old one is `retiring`: its channel is
 * closed at once if it is idle, else after the request it is serving, it
 * exits on the end of its channel (SIGKILL after RETIRE_EXIT_SECONDS) and its
 * slot stays empty until it is the twin's turn to be replaced.  A replacement
 * that fails to load is respawned with the usual backoff while the old one
 * serves on; if the old one dies first, the replacement simply takes its
 * place.  The price: two copies of one worker's model for the length of a
 * load.  Without recycling there is one slot per worker and none of this.
 */
#define _GNU_SOURCE /* memfd_create */
#include "supervisor.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dispatch.h"
#include "ipc.h"
#include "log.h"
#include "socket_drain.h"

#define RESPAWN_BACKOFF_MAX_SECONDS 30
/* A retired worker has nothing left to do but finalise its interpreter. */
#define RETIRE_EXIT_SECONDS 10
/* Responses above this are refused as a protocol error: it bounds what a
 * confused worker can make the master buffer. */
#define SUPERVISOR_MAX_FRAME ((uint64_t)1 << 32)
/* A worker's reply is read in large reads up to this much per wakeup; the rest
 * waits for the next one, so one large reply cannot starve the other sockets. */
#define SUPERVISOR_DRAIN_MAX ((size_t)8 << 20)

struct supervisor {
    const struct config *config;
    struct event_base *base;
    struct dispatch *dispatch;
    const char *argv0;
    char executable[PATH_MAX];       /* this binary, resolved once at start */
    int serve_argc;
    char **serve_argv;
    struct worker *workers;          /* slot_count slots */
    int worker_count;                /* config->workers */
    int slot_count;                  /* worker_count, doubled when recycling */
    int live;                        /* processes started and not yet reaped */
    struct event *sigchld;
    bool load_failed;                /* the latest load attempt failed */
    char *load_error[3];             /* name, message, trace of that failure */
    char *execution_parameters;      /* from the first READY that carried one */
    size_t execution_parameters_length;
    bool shutting_down;
    void (*fatal)(void *arg, const char *message);
    void *fatal_arg;
    void (*shutdown_done)(void *arg);
    void *shutdown_arg;
};

static void worker_spawn(struct supervisor *supervisor, struct worker *worker);

static void supervisor_set_load_error(struct supervisor *supervisor, const char *name, size_t name_length,
                                      const char *message, size_t message_length,
                                      const char *trace, size_t trace_length)
{
    const char *values[3] = { name, message, trace };
    size_t lengths[3] = { name_length, message_length, trace_length };
    for (int i = 0; i < 3; i++) {
        free(supervisor->load_error[i]);
        supervisor->load_error[i] = strndup(values[i] ? values[i] : "", lengths[i]);
    }
    supervisor->load_failed = true;
}

/* The channel and the body file are the worker's line to us: they go together. */
static void worker_close_channel(struct worker *worker)
{
    if (worker->channel != NULL) {
        bufferevent_free(worker->channel);
        worker->channel = NULL;
    }
    if (worker->body_file >= 0) {
        close(worker->body_file);
        worker->body_file = -1;
        worker->reply_file = -1;
        worker->body_file_size = 0;
    }
    if (worker->reply_file >= 0) {
        close(worker->reply_file);
        worker->reply_file = -1;
    }
}

/* The other slot of a worker's pair when recycling, else NULL. */
static struct worker *worker_twin(struct supervisor *supervisor, struct worker *worker)
{
    int slot = (int)(worker - supervisor->workers);
    if (supervisor->slot_count == supervisor->worker_count)
        return NULL;
    return &supervisor->workers[(slot + supervisor->worker_count) % supervisor->slot_count];
}

/* The replacement being loaded for worker, or NULL. */
static struct worker *worker_replacement(struct supervisor *supervisor, struct worker *worker)
{
    struct worker *twin = worker_twin(supervisor, worker);
    return twin != NULL && twin->replacing == worker ? twin : NULL;
}

/* The process should be exiting: SIGKILL it if it is not reaped in time. */
static void worker_expect_exit(struct worker *worker, int seconds)
{
    struct timeval grace = { seconds, 0 };
    if (worker->pid > 0)
        evtimer_add(worker->exit_timer, &grace);
}

/* A retiring worker is done: closing its channel tells it to exit. */
static void worker_dismiss(struct worker *worker)
{
    worker_close_channel(worker);
    worker->state = WORKER_DOWN;
    worker_expect_exit(worker, RETIRE_EXIT_SECONDS);
}

/* worker's replacement is ready: worker takes no new request. */
static void worker_retire(struct worker *worker, const struct worker *replacement)
{
    worker->retiring = true;
    log_write(LOG_INFO, "worker-%d (pid %d) retires after %lu requests (HOOKHOST_MAX_REQUESTS); pid %d serves "
              "in its place", worker->index, (int)worker->pid, worker->requests, (int)replacement->pid);
    /* A busy one is dismissed when its request is answered; a dead one not
     * yet reaped is simply not respawned. */
    if (worker->state == WORKER_IDLE)
        worker_dismiss(worker);
}

/* Starts worker's replacement in its twin slot, if that slot is free (a
 * twin still exiting after its own retirement is not: the next answered
 * request tries again). */
static void worker_start_replacement(struct supervisor *supervisor, struct worker *worker)
{
    struct worker *twin = worker_twin(supervisor, worker);

    if (twin == NULL || twin->replacing == worker || twin->pid != 0 || evtimer_pending(twin->respawn_timer, NULL))
        return;
    log_write(LOG_INFO, "worker-%d (pid %d) answered %lu requests (HOOKHOST_MAX_REQUESTS); starting its "
              "replacement", worker->index, (int)worker->pid, worker->requests);
    twin->replacing = worker;
    twin->load_failures = 0;
    worker_spawn(supervisor, twin);
    if (twin->pid == 0)
        twin->replacing = NULL; /* fork failed (logged); the next request tries again */
}

/* The process is gone or going: answer its request, stop reading it. */
static void worker_lost(struct worker *worker, const char *why)
{
    struct supervisor *supervisor = worker->supervisor;
    worker_close_channel(worker);
    worker->state = WORKER_DOWN;
    if (supervisor->dispatch != NULL)
        dispatch_worker_lost(supervisor->dispatch, worker, why);
}

static void worker_on_ready(struct worker *worker, struct evbuffer *input, const struct ipc_prefix *prefix)
{
    struct supervisor *supervisor = worker->supervisor;
    size_t length = (size_t)prefix->field_length[0];

    evbuffer_drain(input, prefix->prefix_length);
    if (length > 0 && supervisor->execution_parameters == NULL) {
        supervisor->execution_parameters = malloc(length);
        if (supervisor->execution_parameters != NULL) {
            evbuffer_remove(input, supervisor->execution_parameters, length);
            supervisor->execution_parameters_length = length;
        }
    }
    evbuffer_drain(input, length);
    worker->loaded = true;
    worker->load_failures = 0;
    supervisor->load_failed = false;
    log_write(LOG_INFO, "worker-%d (pid %d) loaded the model and is ready", worker->index, (int)worker->pid);
    if (worker->replacing != NULL) {
        struct worker *old = worker->replacing;
        worker->replacing = NULL;
        worker_retire(old, worker);
    }
    dispatch_worker_idle(supervisor->dispatch, worker);
}

static void worker_on_load_failed(struct worker *worker, struct evbuffer *input, const struct ipc_prefix *prefix)
{
    struct supervisor *supervisor = worker->supervisor;
    size_t lengths[3] = { (size_t)prefix->field_length[0], (size_t)prefix->field_length[1],
                          (size_t)prefix->field_length[2] };
    char *fields;

    evbuffer_drain(input, prefix->prefix_length);
    fields = malloc(lengths[0] + lengths[1] + lengths[2] + 1);
    if (fields == NULL) {
        evbuffer_drain(input, lengths[0] + lengths[1] + lengths[2]);
        supervisor_set_load_error(supervisor, "ModelLoadError", 14, "the model failed to load", 24, "", 0);
    } else {
        evbuffer_remove(input, fields, lengths[0] + lengths[1] + lengths[2]);
        supervisor_set_load_error(supervisor, fields, lengths[0], fields + lengths[0], lengths[1],
                                  fields + lengths[0] + lengths[1], lengths[2]);
        free(fields);
    }
    if (prefix->status == 1 && supervisor->fatal != NULL) {
        supervisor->fatal(supervisor->fatal_arg, supervisor->load_error[1]);
        return;
    }
    if (supervisor_health(supervisor) == HEALTH_FAILED)
        dispatch_fail_queued(supervisor->dispatch, ERR_UNAVAILABLE,
                             "no worker can serve: the model failed to load (see /ping)");
}

static void worker_channel_read(struct bufferevent *channel, void *arg)
{
    struct worker *worker = arg;
    struct supervisor *supervisor = worker->supervisor;
    struct evbuffer *input = bufferevent_get_input(channel);

    if (evbuffer_get_length(input) >= 4096)   /* see connection_read_callback */
        socket_drain(input, bufferevent_getfd(channel), SUPERVISOR_DRAIN_MAX);
    while (worker->channel == channel) {
        size_t available = evbuffer_get_length(input);
        size_t head_length = available < IPC_PREFIX_MAX ? available : IPC_PREFIX_MAX;
        struct ipc_prefix prefix;
        struct error err;
        enum error_code rc;

        if (available < IPC_HEAD_SIZE)
            return;
        rc = ipc_prefix_parse(evbuffer_pullup(input, (ev_ssize_t)head_length), head_length,
                              SUPERVISOR_MAX_FRAME, &prefix, &err);
        if (rc == ERR_DECLINED)
            return;
        if (rc != OK) {
            log_write(LOG_ERROR, "worker-%d (pid %d) broke the protocol (%s); replacing it", worker->index,
                      (int)worker->pid, err.message);
            supervisor_kill(supervisor, worker);
            return;
        }
        if (available < prefix.total_length)
            return;
        switch (prefix.kind) {
        case IPC_READY:
            worker_on_ready(worker, input, &prefix);
            break;
        case IPC_LOAD_FAILED:
            worker_on_load_failed(worker, input, &prefix);
            break;
        case IPC_RESPONSE:
        case IPC_ERROR:
            dispatch_on_frame(supervisor->dispatch, worker, &prefix, input);
            break;
        case IPC_REQUEST:
            log_write(LOG_ERROR, "worker-%d sent a request frame; replacing it", worker->index);
            supervisor_kill(supervisor, worker);
            return;
        }
    }
}

static void worker_channel_event(struct bufferevent *channel, short what, void *arg)
{
    struct worker *worker = arg;
    (void)channel;
    if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
        /* The request is answered at the reap, which knows the exit status
         * or signal.  A worker that closed its channel but lives on is
         * broken anyway; SIGKILL guarantees the reap, and cannot change the
         * status of a process that is already exiting. */
        worker_close_channel(worker);
        worker->state = WORKER_DOWN;
        if (worker->pid > 0)
            kill(worker->pid, SIGKILL);
    }
}

/* In the child: moves fd to target for exec, or leaves target closed when
 * there is no fd.  fd was first lifted above the targets (see worker_exec). */
static void worker_place_fd(int fd, int target)
{
    if (fd >= 0 ? dup2(fd, target) < 0 : close(target) != 0 && errno != EBADF)
        _exit(127);
}

static void worker_exec(struct supervisor *supervisor, struct worker *worker, int channel_fd, int body_fd,
                        int reply_fd)
{
    char index[16];
    char **argv = calloc((size_t)supervisor->serve_argc + 4, sizeof *argv);
    sigset_t none;

    if (argv == NULL)
        _exit(127);
    /* Lift the descriptors clear of 3, 4 and 5 first, so that placing one
     * cannot overwrite another; dup2 clears close-on-exec on the copies the
     * worker keeps, and the lifted ones vanish at exec. */
    channel_fd = fcntl(channel_fd, F_DUPFD_CLOEXEC, 10);
    if (channel_fd < 0)
        _exit(127);
    if (body_fd >= 0)
        body_fd = fcntl(body_fd, F_DUPFD_CLOEXEC, 10);
    if (reply_fd >= 0)
        reply_fd = fcntl(reply_fd, F_DUPFD_CLOEXEC, 10);
    worker_place_fd(channel_fd, IPC_CHANNEL_FD);
    worker_place_fd(body_fd, IPC_BODY_FILE_FD);
    worker_place_fd(reply_fd, IPC_REPLY_FILE_FD);
    /* The master blocks and ignores signals for libevent; a worker starts clean. */
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGCHLD, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    snprintf(index, sizeof index, "%d", worker->index);
    argv[0] = (char *)supervisor->argv0;
    argv[1] = "--worker";
    argv[2] = index;
    for (int i = 0; i < supervisor->serve_argc; i++)
        argv[3 + i] = supervisor->serve_argv[i];
    execv(supervisor->executable, argv);
    _exit(127);
}

static void worker_spawn(struct supervisor *supervisor, struct worker *worker)
{
    int pair[2];
    int body_file, reply_file;
    pid_t pid;

    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
        log_write(LOG_ERROR, "socketpair for worker-%d: %s", worker->index, strerror(errno));
        return;
    }
    /* Without a body file (a kernel or sandbox without memfd_create) every
     * body goes over the channel: slower for large ones, nothing else. */
    body_file = memfd_create("hookhost-request-body", MFD_CLOEXEC);
    reply_file = memfd_create("hookhost-reply-body", MFD_CLOEXEC);
    if (body_file < 0 || reply_file < 0) {
        log_write(LOG_WARNING, "memfd_create for worker-%d: %s; large bodies go over the socket", worker->index,
                  strerror(errno));
        if (body_file >= 0)
            close(body_file);
        if (reply_file >= 0)
            close(reply_file);
        body_file = reply_file = -1;
    }
    pid = fork();
    if (pid < 0) {
        log_write(LOG_ERROR, "fork for worker-%d: %s", worker->index, strerror(errno));
        close(pair[0]);
        close(pair[1]);
        if (body_file >= 0)
            close(body_file);
        if (reply_file >= 0)
            close(reply_file);
        return;
    }
    if (pid == 0) {
        close(pair[0]);
        worker_exec(supervisor, worker, pair[1], body_file, reply_file);
    }
    close(pair[1]);
    worker->body_file = body_file;
    worker->body_file_size = 0;
    worker->reply_file = reply_file;
    evutil_make_socket_nonblocking(pair[0]);
    worker->pid = pid;
    worker->state = WORKER_LOADING;
    worker->loaded = false;
    worker->requests = 0;
    worker->retiring = false;
    worker->spawns++;
    supervisor->live++;
    worker->channel = bufferevent_socket_new(supervisor->base, pair[0], BEV_OPT_CLOSE_ON_FREE);
    if (worker->channel == NULL) {
        close(pair[0]);
        kill(pid, SIGKILL);
        return;
    }
    bufferevent_setcb(worker->channel, worker_channel_read, NULL, worker_channel_event, worker);
    bufferevent_enable(worker->channel, EV_READ | EV_WRITE);
    log_write(LOG_INFO, "worker-%d started (pid %d)", worker->index, (int)pid);
}

static void worker_respawn_timer(evutil_socket_t fd, short what, void *arg)
{
    struct worker *worker = arg;
    (void)fd;
    (void)what;
    if (!worker->supervisor->shutting_down && worker->pid == 0)
        worker_spawn(worker->supervisor, worker);
}

static void worker_exit_timer(evutil_socket_t fd, short what, void *arg)
{
    struct worker *worker = arg;
    (void)fd;
    (void)what;
    if (worker->pid > 0) {
        log_write(LOG_WARNING, "worker-%d (pid %d) did not exit within %d s of retiring; killing it",
                  worker->index, (int)worker->pid, RETIRE_EXIT_SECONDS);
        kill(worker->pid, SIGKILL);
    }
}

static void worker_reaped(struct supervisor *supervisor, struct worker *worker, int status)
{
    char why[160];
    bool was_loading = !worker->loaded;
    bool retired = worker->retiring;
    struct worker *replacement = worker_replacement(supervisor, worker);
    struct timeval delay = { 0, 0 };

    if (WIFSIGNALED(status))
        snprintf(why, sizeof why, "worker-%d (pid %d) was killed by signal %d (%s)", worker->index,
                 (int)worker->pid, WTERMSIG(status), strsignal(WTERMSIG(status)));
    else
        snprintf(why, sizeof why, "worker-%d (pid %d) exited with status %d", worker->index,
                 (int)worker->pid, WEXITSTATUS(status));
    if (worker->channel != NULL || worker->invocation != NULL) {
        char during[200];
        snprintf(during, sizeof during, "%s while serving the request", why);
        worker_lost(worker, during);
    }
    worker->pid = 0;
    worker->state = WORKER_DOWN;
    worker->retiring = false;
    evtimer_del(worker->exit_timer);
    supervisor->live--;
    if (supervisor->shutting_down) {
        log_write(LOG_INFO, "%s", why);
        if (supervisor->live == 0 && supervisor->shutdown_done != NULL)
            supervisor->shutdown_done(supervisor->shutdown_arg);
        return;
    }
    if (retired) {
        log_write(LOG_INFO, "%s (retired)", why);
        return; /* the slot stays empty until the twin is replaced */
    }
    if (replacement != NULL) {
        /* Died before its replacement was ready: the replacement, loading or
         * waiting out its backoff, takes the place instead of a respawn. */
        replacement->replacing = NULL;
        log_write(LOG_WARNING, "%s; its replacement (worker-%d, loading) takes its place", why, worker->index);
        return;
    }
    log_write(LOG_WARNING, "%s", why);
    if (was_loading) {
        unsigned shift = worker->load_failures < 5 ? worker->load_failures : 5;
        worker->load_failures++;
        if (!supervisor->load_failed) {
            supervisor_set_load_error(supervisor, "ModelLoadError", 14, why, strlen(why), "", 0);
        }
        delay.tv_sec = (1L << shift) > RESPAWN_BACKOFF_MAX_SECONDS ? RESPAWN_BACKOFF_MAX_SECONDS : (1L << shift);
        if (supervisor_health(supervisor) == HEALTH_FAILED)
            dispatch_fail_queued(supervisor->dispatch, ERR_UNAVAILABLE,
                                 "no worker can serve: the model failed to load (see /ping)");
        log_write(LOG_INFO, "respawning worker-%d in %ld s", worker->index, (long)delay.tv_sec);
    }
    evtimer_add(worker->respawn_timer, &delay);
}

static void supervisor_sigchld(evutil_socket_t fd, short what, void *arg)
{
    struct supervisor *supervisor = arg;
    int status;
    pid_t pid;
    (void)fd;
    (void)what;

    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        for (int i = 0; i < supervisor->slot_count; i++) {
            if (supervisor->workers[i].pid == pid) {
                worker_reaped(supervisor, &supervisor->workers[i], status);
                break;
            }
        }
    }
}

struct supervisor *supervisor_new(const struct config *config, struct event_base *base,
                                  const char *argv0, int serve_argc, char **serve_argv)
{
    struct supervisor *supervisor = calloc(1, sizeof *supervisor);
    if (supervisor == NULL)
        return NULL;
    supervisor->config = config;
    supervisor->base = base;
    supervisor->argv0 = argv0;
    /* Resolved now rather than exec'ing /proc/self/exe: under valgrind or
     * another loader that link names the loader, not us. */
    {
        ssize_t length = readlink("/proc/self/exe", supervisor->executable, sizeof supervisor->executable - 1);
        if (length > 0)
            supervisor->executable[length] = '\0';
        else
            snprintf(supervisor->executable, sizeof supervisor->executable, "%s", argv0);
    }
    supervisor->serve_argc = serve_argc;
    supervisor->serve_argv = serve_argv;
    supervisor->worker_count = config->workers;
    supervisor->slot_count = config->max_requests > 0 ? 2 * config->workers : config->workers;
    supervisor->workers = calloc((size_t)supervisor->slot_count, sizeof *supervisor->workers);
    supervisor->sigchld = evsignal_new(base, SIGCHLD, supervisor_sigchld, supervisor);
    if (supervisor->workers == NULL || supervisor->sigchld == NULL) {
        supervisor_free(supervisor);
        return NULL;
    }
    for (int i = 0; i < supervisor->slot_count; i++) {
        struct worker *worker = &supervisor->workers[i];
        worker->index = i % supervisor->worker_count + 1;
        worker->body_file = -1;
        worker->supervisor = supervisor;
        worker->respawn_timer = evtimer_new(base, worker_respawn_timer, worker);
        worker->exit_timer = evtimer_new(base, worker_exit_timer, worker);
        if (worker->respawn_timer == NULL || worker->exit_timer == NULL) {
            supervisor_free(supervisor);
            return NULL;
        }
    }
    evsignal_add(supervisor->sigchld, NULL);
    return supervisor;
}

void supervisor_set_dispatch(struct supervisor *supervisor, struct dispatch *dispatch)
{
    supervisor->dispatch = dispatch;
}

void supervisor_on_fatal(struct supervisor *supervisor, void (*fatal)(void *arg, const char *message), void *arg)
{
    supervisor->fatal = fatal;
    supervisor->fatal_arg = arg;
}

enum error_code supervisor_start(struct supervisor *supervisor, struct error *err)
{
    for (int i = 0; i < supervisor->worker_count; i++)
        worker_spawn(supervisor, &supervisor->workers[i]);
    if (supervisor->live == 0)
        return error_set(err, ERR_IO, "no worker could be started");
    return OK;
}

int supervisor_worker_count(const struct supervisor *supervisor)
{
    return supervisor->slot_count;
}

struct worker *supervisor_worker(struct supervisor *supervisor, int slot)
{
    return &supervisor->workers[slot];
}

bool supervisor_worker_finished(struct supervisor *supervisor, struct worker *worker)
{
    worker->requests++;
    if (worker->retiring) {
        worker_dismiss(worker);
        return false;
    }
    if (supervisor->config->max_requests > 0 && worker->requests >= (unsigned long)supervisor->config->max_requests &&
        !supervisor->shutting_down)
        worker_start_replacement(supervisor, worker);
    return true;
}

struct bufferevent *supervisor_channel(struct worker *worker)
{
    return worker->channel;
}

void supervisor_kill(struct supervisor *supervisor, struct worker *worker)
{
    (void)supervisor;
    if (worker->pid > 0)
        kill(worker->pid, SIGKILL);
    worker_close_channel(worker);
    worker->state = WORKER_DOWN;
}

enum health supervisor_health(const struct supervisor *supervisor)
{
    for (int i = 0; i < supervisor->slot_count; i++) {
        enum worker_state state = supervisor->workers[i].state;
        if (state == WORKER_IDLE || state == WORKER_BUSY)
            return HEALTH_READY;
    }
    return supervisor->load_failed ? HEALTH_FAILED : HEALTH_LOADING;
}

void supervisor_load_error(const struct supervisor *supervisor, const char **name,
                           const char **message, const char **trace)
{
    *name = supervisor->load_error[0] ? supervisor->load_error[0] : "ModelLoadError";
    *message = supervisor->load_error[1] ? supervisor->load_error[1] : "the model failed to load";
    *trace = supervisor->load_error[2] && supervisor->load_error[2][0] ? supervisor->load_error[2] : NULL;
}

const char *supervisor_execution_parameters(const struct supervisor *supervisor, size_t *length)
{
    *length = supervisor->execution_parameters_length;
    return supervisor->execution_parameters;
}

void supervisor_shutdown(struct supervisor *supervisor, void (*done)(void *arg), void *arg)
{
    supervisor->shutting_down = true;
    supervisor->shutdown_done = done;
    supervisor->shutdown_arg = arg;
    /* Workers ignore SIGTERM; the end of their channel is their signal to
     * leave, and they only read it between requests.  One still loading
     * holds no request and would only notice after model_fn: killed now, so
     * a slow load does not hold the exit up to HOOKHOST_GRACEFUL_TIMEOUT. */
    for (int i = 0; i < supervisor->slot_count; i++) {
        struct worker *worker = &supervisor->workers[i];
        evtimer_del(worker->respawn_timer);
        if (worker->state == WORKER_LOADING && worker->pid > 0)
            kill(worker->pid, SIGKILL);
        worker_close_channel(worker);
        worker->state = WORKER_DOWN;
    }
    if (supervisor->live == 0 && done != NULL)
        done(arg);
}

void supervisor_kill_all(struct supervisor *supervisor)
{
    for (int i = 0; i < supervisor->slot_count; i++)
        if (supervisor->workers[i].pid > 0)
            kill(supervisor->workers[i].pid, SIGKILL);
}

void supervisor_free(struct supervisor *supervisor)
{
    if (supervisor == NULL)
        return;
    for (int i = 0; supervisor->workers && i < supervisor->slot_count; i++) {
        worker_close_channel(&supervisor->workers[i]);
        if (supervisor->workers[i].respawn_timer)
            event_free(supervisor->workers[i].respawn_timer);
        if (supervisor->workers[i].exit_timer)
            event_free(supervisor->workers[i].exit_timer);
    }
    if (supervisor->sigchld)
        event_free(supervisor->sigchld);
    for (int i = 0; i < 3; i++)
        free(supervisor->load_error[i]);
    free(supervisor->execution_parameters);
    free(supervisor->workers);
    free(supervisor);
}
