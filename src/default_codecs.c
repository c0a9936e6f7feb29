/*
 * default_codecs: request bytes -> ndarray and ndarray -> response bytes in C.
 *
 * Decoding builds the array over codec output (JSON, CSV, JSON Lines: a
 * float32 buffer the array then owns) or over the request's own bytes (NPY:
 * no copy when aligned).  Encoding reads the prediction's memory in place;
 * an NPY answer is our header plus the array's bytes, sent from where they
 * are.  Negotiation runs first, exactly as the Python default_output_fn does,
 * so a 406 does not depend on what the prediction is.
 */
#include "default_codecs.h"

#include <stdlib.h>
#include <string.h>

#include "codec_csv.h"
#include "codec_json.h"
#include "codec_npy.h"
#include "ndarray.h"

/* Responses beyond this are refused rather than grown without bound. */
#define DEFAULT_CODECS_OUTPUT_MAX ((size_t)1 << 33)

bool default_codecs_init(void)
{
    struct error err;
    return ndarray_init(&err) == OK;
}

PyObject *default_decode(enum media_type media, PyObject *body, struct error *err)
{
    const char *data = PyBytes_AS_STRING(body);           /* borrowed from body */
    size_t length = (size_t)PyBytes_GET_SIZE(body);
    struct array_desc desc;
    float *values = NULL;
    enum error_code rc;
    PyObject *array;

    error_clear(err);
    switch (media) {
    case MEDIA_NPY: {
        size_t offset;
        rc = npy_decode(data, length, &desc, &offset, err);
        if (rc != OK) {
            err->code = rc;
            return NULL;
        }
        /* The bytes object was made for this request and is not shown to
         * Python code on this path, so the array may view and write it. */
        array = ndarray_from_buffer(&desc, (char *)data + offset, body);
        if (array == NULL) {
            PyErr_Clear();
            error_set(err, ERR_DECLINED, "the array could not be built in C");
        }
        return array;
    }
    case MEDIA_JSON:
        rc = json_decode_float32(data, length, &desc, &values, err);
        break;
    case MEDIA_JSONLINES:
        rc = jsonlines_decode_float32(data, length, &desc, &values, err);
        break;
    case MEDIA_CSV:
        rc = csv_decode_float32(data, length, &desc, &values, err);
        break;
    case MEDIA_NONE:
    default:
        error_set(err, ERR_DECLINED, "no fast path for this type");
        return NULL;
    }
    if (rc != OK) {
        err->code = rc;
        return NULL;
    }
    array = ndarray_from_owned(&desc, values);             /* takes values, even on failure */
    if (array == NULL) {
        PyErr_Clear();
        error_set(err, ERR_DECLINED, "the array could not be built in C");
    }
    return array;
}

enum error_code default_encode_as(enum media_type media, PyObject *prediction, struct encoded_body *out,
                                  struct error *err)
{
    struct array_desc desc;
    const void *data = NULL;
    PyObject *holder = NULL;
    enum error_code rc;
    size_t count, bytes;

    memset(out, 0, sizeof *out);
    buffer_init(&out->head, DEFAULT_CODECS_OUTPUT_MAX);
    error_clear(err);
    if (ndarray_describe(prediction, &desc, &data, &holder, err) != OK || !array_desc_count(&desc, &count, &bytes)) {
        Py_XDECREF(holder);
        PyErr_Clear();
        return error_set(err, ERR_DECLINED, "the prediction is not a numeric array");
    }
    out->media = media;
    switch (media) {
    case MEDIA_JSON:
        rc = json_encode(&desc, data, &out->head, err);
        break;
    case MEDIA_JSONLINES:
        rc = jsonlines_encode(&desc, data, &out->head, err);
        break;
    case MEDIA_CSV:
        rc = csv_encode(&desc, data, &out->head, err);
        break;
    case MEDIA_NPY:
        rc = npy_encode_header(&desc, &out->head, err);
        if (rc == OK) {
            out->tail = data;
            out->tail_length = bytes;
            out->tail_owner = holder != NULL ? holder : prediction;
            Py_INCREF(out->tail_owner);
        }
        break;
    case MEDIA_NONE:
    default:
        rc = error_set(err, ERR_DECLINED, "no fast path for this type");
        break;
    }
    Py_XDECREF(holder);
    if (rc != OK) {
        err->code = rc;
        encoded_body_release(out);
    }
    return rc;
}

enum error_code default_encode(const char *default_accept, PyObject *prediction, PyObject *accept,
                               struct encoded_body *out, struct error *err)
{
    const char *accept_text = PyUnicode_AsUTF8(accept);    /* borrowed from accept */
    enum media_type chosen;
    enum error_code rc;

    memset(out, 0, sizeof *out);
    error_clear(err);
    if (accept_text == NULL) {
        PyErr_Clear();
        return error_set(err, ERR_DECLINED, "accept is not text");
    }
    rc = accept_negotiate_default(accept_text, default_accept, &chosen, err);
    if (rc != OK)
        return rc;
    return default_encode_as(chosen, prediction, out, err);
}

void encoded_body_release(struct encoded_body *body)
{
    buffer_free(&body->head);
    Py_CLEAR(body->tail_owner);
    body->tail = NULL;
    body->tail_length = 0;
}
