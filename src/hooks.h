/*
 * hooks: the user script's hooks and the chain that runs them.
 *
 *   input_fn(body, content_type) -> predict_fn(data, model) -> output_fn(prediction, accept)
 *   or transform_fn(model, body, content_type, accept)
 *
 * Missing hooks are hookhost's defaults (python/hookhost/defaults.py).  The
 * reply is returned as the fields of an IPC frame, borrowed from Python
 * objects the reply keeps alive until hook_reply_release().
 */
#ifndef HOOKHOST_HOOKS_H
#define HOOKHOST_HOOKS_H

#include <stdbool.h>

#include "buffer.h"
#include "config.h"
#include "default_codecs.h"
#include "ipc.h"
#include "pyerror.h"

struct hooks;

struct hook_reply {
    enum ipc_kind kind;              /* IPC_RESPONSE or IPC_ERROR */
    int status;
    const char *field[3];            /* response: content type, headers, body; error: name, message, trace */
    size_t length[3];
    const char *tail;                /* more body after field[2] (an NPY payload), or NULL */
    size_t tail_length;
    PyObject *keep[2];               /* owned references backing the fields */
    struct buffer headers;           /* owned: "name\0value\0" pairs */
    struct py_failure failure;       /* owned: an error's strings */
    struct encoded_body encoded;     /* owned: a body the C encoders made */
};

/* Imports the user module, resolves its hooks and calls model_fn once.
 * On failure returns NULL with failure filled (caller frees) and *fatal true
 * when retrying cannot help (missing model_fn, transform_fn mixed with the
 * other hooks). */
struct hooks *hooks_load(const struct config *config, struct py_failure *failure, bool *fatal);
void hooks_free(struct hooks *hooks);

/* Who provides the hook called name ("model_fn", "input_fn", "predict_fn",
 * "output_fn", "transform_fn" or "execution_parameters_fn"): "user" when the
 * script defines it, "default" for a chain hook hookhost fills in, "none"
 * otherwise (also for an unknown name).  Static storage. */
const char *hooks_origin(const struct hooks *hooks, const char *name);

/* The user's execution_parameters_fn() result as JSON bytes (borrowed), or
 * NULL when the script has none. */
const char *hooks_execution_parameters(const struct hooks *hooks, size_t *length);

/* Runs the chain for one request.  body is a bytes object (borrowed).  Always
 * fills reply; release it after sending. */
void hooks_invoke(struct hooks *hooks, const char *content_type, size_t content_type_length,
                  const char *accept, size_t accept_length, PyObject *body, struct hook_reply *reply);
void hook_reply_release(struct hook_reply *reply);

#endif
