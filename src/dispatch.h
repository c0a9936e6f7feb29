/*
 * dispatch: from an accepted /invocations request to the worker that serves
 * it and back.  Owns the request queue (bounded: full means 503 at once), the
 * per-request deadline (from arrival, so queued requests keep theirs; past it
 * the client gets 504 and the worker is replaced), the choice of an idle
 * worker, and turning worker replies and failures into HTTP answers.
 *
 * Every invocation is answered exactly once, here, and freed here.
 */
#ifndef HOOKHOST_DISPATCH_H
#define HOOKHOST_DISPATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "error.h"
#include "ipc.h"

struct event_base;
struct http_exchange;
struct evbuffer;
struct supervisor;
struct worker;
struct http_server;

struct dispatch *dispatch_new(const struct config *config, struct event_base *base,
                              struct supervisor *supervisor, struct http_server *http);
void dispatch_free(struct dispatch *dispatch);

/* Takes an /invocations request whose body has been read.  content_type and
 * accept are the header values to pass on (NULL when absent). */
void dispatch_submit(struct dispatch *dispatch, struct http_exchange *exchange,
                     const char *content_type, const char *accept);

/* A worker became free (loaded, or finished a request). */
void dispatch_worker_idle(struct dispatch *dispatch, struct worker *worker);
/* A worker's whole reply frame is at the front of input. */
void dispatch_on_frame(struct dispatch *dispatch, struct worker *worker,
                       const struct ipc_prefix *prefix, struct evbuffer *input);
/* A worker went away; its request, if any, gets 500. */
void dispatch_worker_lost(struct dispatch *dispatch, struct worker *worker, const char *why);
/* No worker will load (the model fails): queued requests get 503. */
void dispatch_fail_queued(struct dispatch *dispatch, enum error_code code, const char *message);

/* Requests queued or in flight. */
size_t dispatch_outstanding(const struct dispatch *dispatch);

#endif
