/*
 * supervisor: the workers' lives.  Spawns each worker with fork+exec (the
 * interpreter starts after exec, never in a forked copy), reads its control
 * frames (READY, LOAD_FAILED), reaps it on SIGCHLD and respawns it: at once
 * after a crash of a worker that had loaded, with exponential backoff while
 * the model keeps failing to load, so a broken model turns /ping into 500
 * instead of a fork storm.
 *
 * With HOOKHOST_MAX_REQUESTS a worker is recycled after that many requests:
 * its replacement is started first, and the old one takes requests until the
 * replacement is ready, so capacity never drops (see supervisor.c).
 *
 * Request and response frames on a worker's channel belong to dispatch; the
 * supervisor hands them over through dispatch_on_frame().
 */
#ifndef HOOKHOST_SUPERVISOR_H
#define HOOKHOST_SUPERVISOR_H

#include <stdbool.h>
#include <sys/types.h>

#include "config.h"
#include "error.h"

struct event_base;
struct bufferevent;
struct event;
struct dispatch;
struct invocation;

enum worker_state {
    WORKER_DOWN,     /* no process (waiting to respawn, or shut down) */
    WORKER_LOADING,  /* process started, model not loaded yet */
    WORKER_IDLE,     /* loaded, waiting for a request */
    WORKER_BUSY      /* serving `invocation` */
};

struct worker {
    int index;                       /* 1-based, stable across respawns */
    pid_t pid;                       /* 0 when no process */
    enum worker_state state;
    struct bufferevent *channel;     /* our end of the socketpair; NULL when down */
    int body_file;                   /* memfd for large request bodies (IPC_BODY_FILE_FD in the worker); -1 when none */
    size_t body_file_size;           /* bytes the body file holds now */
    int reply_file;                  /* memfd for large reply bodies (IPC_REPLY_FILE_FD); -1 when none */
    struct invocation *invocation;   /* the request in flight when busy */
    bool loaded;                     /* this process reported READY */
    unsigned load_failures;          /* consecutive loads that failed, for backoff */
    unsigned long spawns;            /* processes started for this slot */
    unsigned long requests;          /* requests this process answered */
    bool retiring;                   /* replaced: finishes its request, then exits; never respawned */
    struct worker *replacing;        /* set on a replacement until it is ready: the worker it replaces */
    struct event *respawn_timer;
    struct event *exit_timer;        /* SIGKILLs a retired process that does not exit */
    struct supervisor *supervisor;
};

enum health {
    HEALTH_LOADING,  /* no worker has loaded the model yet: /ping 503 */
    HEALTH_READY,    /* at least one worker is loaded: /ping 200 */
    HEALTH_FAILED    /* loading failed and no worker is loaded: /ping 500 */
};

/* Creates the supervisor; argv0 is the path to exec for a worker and
 * serve_argv/serve_argc the `serve` flags the master was given, passed on so
 * the worker reads the same configuration. */
struct supervisor *supervisor_new(const struct config *config, struct event_base *base,
                                  const char *argv0, int serve_argc, char **serve_argv);
void supervisor_free(struct supervisor *supervisor);
void supervisor_set_dispatch(struct supervisor *supervisor, struct dispatch *dispatch);

/* Called when a worker reports that the script itself cannot be served
 * (transform_fn mixed with other hooks, no model_fn): retrying cannot help. */
void supervisor_on_fatal(struct supervisor *supervisor, void (*fatal)(void *arg, const char *message), void *arg);

/* Starts every worker. */
enum error_code supervisor_start(struct supervisor *supervisor, struct error *err);

/* Worker slots, for dispatch to choose from (twice the workers when
 * HOOKHOST_MAX_REQUESTS is set: room for replacements); a slot takes
 * requests only in WORKER_IDLE. */
int supervisor_worker_count(const struct supervisor *supervisor);
struct worker *supervisor_worker(struct supervisor *supervisor, int slot);

/* Dispatch answered the request `worker` was serving.  Counts it, starts a
 * replacement when the worker reached HOOKHOST_MAX_REQUESTS, and retires a
 * worker whose replacement is ready.  True when the worker takes another
 * request (the caller then marks it idle); false when it is leaving. */
bool supervisor_worker_finished(struct supervisor *supervisor, struct worker *worker);

/* Ends a worker at once (timeout or broken channel); it is reaped and
 * respawned like a crash.  Its in-flight request must already be answered. */
void supervisor_kill(struct supervisor *supervisor, struct worker *worker);

/* Sends a request frame's bytes; the channel owns them afterwards. */
struct bufferevent *supervisor_channel(struct worker *worker);

enum health supervisor_health(const struct supervisor *supervisor);
/* The last load failure as an error name/message/trace, for /ping's 500. */
void supervisor_load_error(const struct supervisor *supervisor, const char **name,
                           const char **message, const char **trace);
/* The body for /execution-parameters from the user's execution_parameters_fn,
 * as reported by the first worker that loaded; NULL when the user has none. */
const char *supervisor_execution_parameters(const struct supervisor *supervisor, size_t *length);

/* Stops respawning and closes every worker's channel, on which they exit;
 * `done` is called once
 * every worker process has been reaped (or at once when none runs). */
void supervisor_shutdown(struct supervisor *supervisor, void (*done)(void *arg), void *arg);
/* SIGKILLs what is left, for the end of the grace period. */
void supervisor_kill_all(struct supervisor *supervisor);

#endif
