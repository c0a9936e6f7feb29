/*
 * error: result codes, the message written where a failure happens, and the
 * one place where codes become HTTP statuses and JSON bodies.
 *
 * Every fallible function in hookhost returns an `enum error_code` (OK is 0)
 * and, when it fails, fills a caller-owned `struct error` with a message for a
 * person.  Nothing else turns a code into text: router and worker replies go
 * through error_http_status(), error_name() and error_json_body().
 */
#ifndef HOOKHOST_ERROR_H
#define HOOKHOST_ERROR_H

#include <stdarg.h>
#include <stddef.h>

enum error_code {
    OK = 0,
    ERR_NOMEM,             /* allocation failed                                  -> 500 */
    ERR_TOO_LARGE,         /* a size limit was hit (buffer max, dims, depth)    -> 400 */
    ERR_BAD_INPUT,         /* malformed body for a default decoder, bad framing -> 400 */
    ERR_DECLINED,          /* a fast path does not cover this input: fall back;
                              never reaches a client                            */
    ERR_UNSUPPORTED_TYPE,  /* no default decoder for the content type           -> 415 */
    ERR_NOT_ACCEPTABLE,    /* no supported type in Accept, or 3-D+ to CSV       -> 406 */
    ERR_PAYLOAD_TOO_LARGE, /* body over SAGEMAKER_MAX_PAYLOAD_IN_MB             -> 413 */
    ERR_REQUEST_TIMEOUT,   /* the request did not arrive in time                -> 408 */
    ERR_URI_TOO_LONG,      /* request-target over the limit                     -> 414 */
    ERR_HEADERS_TOO_LARGE, /* header block or field count over the limit        -> 431 */
    ERR_NOT_FOUND,         /* unknown path                                      -> 404 */
    ERR_METHOD,            /* wrong method for a known path                     -> 405 */
    ERR_USER,              /* exception in a user hook                          -> 500 */
    ERR_WORKER_DIED,       /* the worker serving the request went away          -> 500 */
    ERR_MODEL_LOAD,        /* import or model_fn failed                         -> 500 */
    ERR_UNAVAILABLE,       /* no worker can serve, or the queue is full         -> 503 */
    ERR_TIMEOUT,           /* request over SAGEMAKER_MODEL_SERVER_TIMEOUT       -> 504 */
    ERR_CONFIG,            /* bad configuration at start                            */
    ERR_IO,                /* a system call failed                              -> 500 */
    ERR_INTERNAL           /* a bug of ours                                     -> 500 */
};

#define ERROR_MESSAGE_MAX 512

struct error {
    enum error_code code;
    char message[ERROR_MESSAGE_MAX]; /* for a person; always NUL-terminated */
};

/* Records code and a printf-style message in err (which may be NULL) and
 * returns code, so failure sites read `return error_set(err, ERR_X, ...)`. */
enum error_code error_set(struct error *err, enum error_code code, const char *format, ...)
    __attribute__((format(printf, 3, 4)));
enum error_code error_setv(struct error *err, enum error_code code, const char *format, va_list args);

/* Resets err to OK with an empty message. */
void error_clear(struct error *err);

/* The HTTP status a code is answered with (500 for codes that never should be). */
int error_http_status(enum error_code code);

/* The short reason put in the "error" field of a JSON body, e.g. "BadRequest". */
const char *error_name(enum error_code code);

/* The code a status the HTTP layer decides (400, 408, 413, 414, 431, 503)
 * stands for; ERR_INTERNAL for others. */
enum error_code error_code_for_status(int status);

/* The contract's error body: {"error": name, "error-message": message} plus
 * "stack-trace" when trace is not NULL.  Returns a malloc'd NUL-terminated
 * string the caller frees, or NULL when out of memory. */
char *error_json_body(const char *name, const char *message, const char *trace);

#endif
