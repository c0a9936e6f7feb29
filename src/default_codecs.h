/*
 * default_codecs: the C fast paths of the default input_fn and output_fn.
 *
 * They run when the script leaves input_fn / output_fn to hookhost and
 * HOOKHOST_FASTPATH is on, and must give exactly what the Python defaults
 * (python/hookhost/decoders.py, encoders.py) give.  Whatever a codec does not
 * cover it declines (ERR_DECLINED) and the caller runs the Python default,
 * so coverage can grow without changing behaviour.
 */
#ifndef HOOKHOST_DEFAULT_CODECS_H
#define HOOKHOST_DEFAULT_CODECS_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdbool.h>

#include "buffer.h"
#include "error.h"
#include "negotiate.h"

/* An encoded response body in up to two parts, so an NPY payload goes out
 * straight from the array's memory after its header. */
struct encoded_body {
    enum media_type media;
    struct buffer head;        /* owned: the whole body, or the NPY header */
    const char *tail;          /* borrowed from tail_owner: the NPY payload, or NULL */
    size_t tail_length;
    PyObject *tail_owner;      /* owned reference keeping tail alive */
};

/* Prepares the codecs in this worker (NumPy's C API).  Returns false when
 * they cannot run here; the Python defaults then serve every request. */
bool default_codecs_init(void);

/* Decodes a request body (a bytes object, borrowed) of the given media type.
 * Returns a new reference to the array; or NULL with err->code ERR_DECLINED
 * (run the Python default) or the error to answer (400) with its message. */
PyObject *default_decode(enum media_type media, PyObject *body, struct error *err);

/* Encodes prediction as the given media type.  OK with *out filled (release
 * with encoded_body_release); ERR_DECLINED to run the Python default; or the
 * error to answer (406 for CSV of 3-D and up) with its message. */
enum error_code default_encode_as(enum media_type media, PyObject *prediction, struct encoded_body *out,
                                  struct error *err);

/* The default output_fn: negotiates accept (the value the script would
 * see) against default_accept, then default_encode_as.  A 406 from
 * negotiation comes first, whatever the prediction is. */
enum error_code default_encode(const char *default_accept, PyObject *prediction, PyObject *accept,
                               struct encoded_body *out, struct error *err);
void encoded_body_release(struct encoded_body *body);

#endif
