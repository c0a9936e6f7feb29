/*
 * error: the single place where result codes become statuses and text.
 */
#include "error.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

enum error_code error_setv(struct error *err, enum error_code code, const char *format, va_list args)
{
    if (err != NULL) {
        err->code = code;
        vsnprintf(err->message, sizeof err->message, format, args);
    }
    return code;
}

enum error_code error_set(struct error *err, enum error_code code, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    error_setv(err, code, format, args);
    va_end(args);
    return code;
}

void error_clear(struct error *err)
{
    err->code = OK;
    err->message[0] = '\0';
}

int error_http_status(enum error_code code)
{
    switch (code) {
    case OK: return 200;
    case ERR_TOO_LARGE:
    case ERR_BAD_INPUT: return 400;
    case ERR_REQUEST_TIMEOUT: return 408;
    case ERR_URI_TOO_LONG: return 414;
    case ERR_HEADERS_TOO_LARGE: return 431;
    case ERR_NOT_FOUND: return 404;
    case ERR_METHOD: return 405;
    case ERR_NOT_ACCEPTABLE: return 406;
    case ERR_PAYLOAD_TOO_LARGE: return 413;
    case ERR_UNSUPPORTED_TYPE: return 415;
    case ERR_UNAVAILABLE: return 503;
    case ERR_TIMEOUT: return 504;
    case ERR_NOMEM:
    case ERR_DECLINED:
    case ERR_USER:
    case ERR_WORKER_DIED:
    case ERR_MODEL_LOAD:
    case ERR_CONFIG:
    case ERR_IO:
    case ERR_INTERNAL: break;
    }
    return 500;
}

const char *error_name(enum error_code code)
{
    switch (code) {
    case OK: return "OK";
    case ERR_NOMEM: return "MemoryError";
    case ERR_TOO_LARGE: return "BadRequest";
    case ERR_BAD_INPUT: return "BadRequest";
    case ERR_DECLINED: return "InternalServerError";
    case ERR_UNSUPPORTED_TYPE: return "UnsupportedMediaType";
    case ERR_NOT_ACCEPTABLE: return "NotAcceptable";
    case ERR_PAYLOAD_TOO_LARGE: return "PayloadTooLarge";
    case ERR_REQUEST_TIMEOUT: return "RequestTimeout";
    case ERR_URI_TOO_LONG: return "URITooLong";
    case ERR_HEADERS_TOO_LARGE: return "RequestHeaderFieldsTooLarge";
    case ERR_NOT_FOUND: return "NotFound";
    case ERR_METHOD: return "MethodNotAllowed";
    case ERR_USER: return "InternalServerError";
    case ERR_WORKER_DIED: return "WorkerDied";
    case ERR_MODEL_LOAD: return "ModelLoadError";
    case ERR_UNAVAILABLE: return "ServiceUnavailable";
    case ERR_TIMEOUT: return "Timeout";
    case ERR_CONFIG: return "ConfigurationError";
    case ERR_IO: return "InternalServerError";
    case ERR_INTERNAL: return "InternalServerError";
    }
    return "InternalServerError";
}

enum error_code error_code_for_status(int status)
{
    switch (status) {
    case 400: return ERR_BAD_INPUT;
    case 404: return ERR_NOT_FOUND;
    case 405: return ERR_METHOD;
    case 406: return ERR_NOT_ACCEPTABLE;
    case 408: return ERR_REQUEST_TIMEOUT;
    case 413: return ERR_PAYLOAD_TOO_LARGE;
    case 414: return ERR_URI_TOO_LONG;
    case 415: return ERR_UNSUPPORTED_TYPE;
    case 431: return ERR_HEADERS_TOO_LARGE;
    case 503: return ERR_UNAVAILABLE;
    case 504: return ERR_TIMEOUT;
    }
    return ERR_INTERNAL;
}

char *error_json_body(const char *name, const char *message, const char *trace)
{
    /* json_pack's "s" refuses invalid UTF-8; user exception text may hold
     * anything, so fall back to a fixed message rather than fail the reply. */
    json_t *body = json_object();
    char *text = NULL;
    if (body == NULL)
        return NULL;
    if (json_object_set_new(body, "error", json_string(name)) != 0)
        json_object_set_new(body, "error", json_string("InternalServerError"));
    if (json_object_set_new(body, "error-message", json_string(message)) != 0)
        json_object_set_new(body, "error-message", json_string("(message was not valid UTF-8)"));
    if (trace != NULL && json_object_set_new(body, "stack-trace", json_string(trace)) != 0)
        json_object_set_new(body, "stack-trace", json_string("(trace was not valid UTF-8)"));
    text = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(body);
    return text;
}
