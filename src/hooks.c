/*
 * hooks: resolution at load, the chain per request.
 *
 * Reference counting: every PyObject * local is either NULL or a new
 * reference released before return, unless a comment says "borrowed".
 * The common return shapes (bytes, str, (body, type)) are unpacked here
 * without calling back into Python; response objects, which are rare, go
 * through hookhost._worker.response_parts.
 */
#include "hooks.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "log.h"
#include "negotiate.h"

#define HOOKS_HEADERS_MAX (64 * 1024)

struct hooks {
    const struct config *config;
    PyObject *module;                 /* the user's module */
    PyObject *model;                  /* what model_fn returned */
    PyObject *input_fn, *predict_fn, *output_fn, *transform_fn; /* the user's, or NULL */
    PyObject *default_input_fn, *default_predict_fn, *default_output_fn;
    PyObject *response_parts;         /* hookhost._worker.response_parts */
    PyObject *execution_parameters;   /* bytes, or NULL */
    PyObject *default_accept;         /* str */
    PyObject *default_content_type;   /* str "application/json" */
    bool fastpath;                    /* the C codecs run for default input_fn/output_fn */
};

/* The module's callable attribute `name` (new reference), or NULL. */
static PyObject *hooks_find(PyObject *module, const char *name)
{
    PyObject *hook = PyObject_GetAttrString(module, name);
    if (hook == NULL) {
        PyErr_Clear();
        return NULL;
    }
    if (!PyCallable_Check(hook)) {
        Py_DECREF(hook);
        return NULL;
    }
    return hook;
}

static struct hooks *hooks_fail(struct hooks *hooks, struct py_failure *failure)
{
    pyerror_fetch(failure);
    hooks_free(hooks);
    return NULL;
}

static double hooks_now_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec * 1e3 + (double)now.tv_nsec / 1e6;
}

static enum error_code hooks_check_definitions(struct hooks *hooks, struct py_failure *failure)
{
    const char *program = hooks->config->program;
    char message[512];

    if (hooks->transform_fn != NULL && (hooks->input_fn || hooks->predict_fn || hooks->output_fn)) {
        snprintf(message, sizeof message,
                 "cannot use transform_fn with input_fn, predict_fn and/or output_fn: %s defines transform_fn%s%s%s; "
                 "define transform_fn alone, or the other three without it",
                 program, hooks->input_fn ? " and input_fn" : "", hooks->predict_fn ? " and predict_fn" : "",
                 hooks->output_fn ? " and output_fn" : "");
        pyerror_make(failure, 500, "ScriptError", message);
        return ERR_CONFIG;
    }
    return OK;
}

struct hooks *hooks_load(const struct config *config, struct py_failure *failure, bool *fatal)
{
    struct hooks *hooks = calloc(1, sizeof *hooks);
    PyObject *defaults, *worker, *model_fn, *model_dir, *parameters_fn;
    double started;

    *fatal = false;
    if (hooks == NULL) {
        pyerror_make(failure, 500, "MemoryError", "out of memory");
        return NULL;
    }
    hooks->config = config;
    defaults = PyImport_ImportModule("hookhost.defaults");
    if (defaults == NULL)
        return hooks_fail(hooks, failure);
    hooks->default_input_fn = PyObject_GetAttrString(defaults, "default_input_fn");
    hooks->default_predict_fn = PyObject_GetAttrString(defaults, "default_predict_fn");
    hooks->default_output_fn = PyObject_GetAttrString(defaults, "default_output_fn");
    Py_DECREF(defaults);
    worker = PyImport_ImportModule("hookhost._worker");
    hooks->response_parts = worker ? PyObject_GetAttrString(worker, "response_parts") : NULL;
    Py_XDECREF(worker);
    hooks->default_accept = PyUnicode_FromString(config->default_accept);
    hooks->default_content_type = PyUnicode_FromString("application/json");
    if (!hooks->default_input_fn || !hooks->default_predict_fn || !hooks->default_output_fn ||
        !hooks->response_parts || !hooks->default_accept || !hooks->default_content_type)
        return hooks_fail(hooks, failure);

    hooks->fastpath = config->fastpath && default_codecs_init();
    if (config->fastpath && !hooks->fastpath)
        log_write(LOG_WARNING, "NumPy's C API is unavailable here: the Python default codecs serve every request");
    log_write(LOG_INFO, "importing %s from %s", config->module_name, config->code_dir);
    hooks->module = PyImport_ImportModule(config->module_name);
    if (hooks->module == NULL)
        return hooks_fail(hooks, failure);
    hooks->input_fn = hooks_find(hooks->module, "input_fn");
    hooks->predict_fn = hooks_find(hooks->module, "predict_fn");
    hooks->output_fn = hooks_find(hooks->module, "output_fn");
    hooks->transform_fn = hooks_find(hooks->module, "transform_fn");
    if (hooks_check_definitions(hooks, failure) != OK) {
        *fatal = true;
        hooks_free(hooks);
        return NULL;
    }
    model_fn = hooks_find(hooks->module, "model_fn");
    if (model_fn == NULL) {
        char message[512];
        snprintf(message, sizeof message,
                 "%s does not define model_fn(model_dir), which hookhost calls once per worker to load the model",
                 config->program);
        pyerror_make(failure, 500, "ScriptError", message);
        *fatal = true;
        hooks_free(hooks);
        return NULL;
    }
    log_write(LOG_INFO, "hooks: model_fn=user input_fn=%s predict_fn=%s output_fn=%s transform_fn=%s",
              hooks->input_fn ? "user" : "default", hooks->predict_fn ? "user" : "default",
              hooks->output_fn ? "user" : "default", hooks->transform_fn ? "user" : "none");
    started = hooks_now_ms();
    model_dir = PyUnicode_DecodeFSDefault(config->model_dir);
    hooks->model = model_dir ? PyObject_CallOneArg(model_fn, model_dir) : NULL;
    Py_XDECREF(model_dir);
    Py_DECREF(model_fn);
    if (hooks->model == NULL)
        return hooks_fail(hooks, failure);
    log_write(LOG_INFO, "model_fn(%s) took %.1f ms", config->model_dir, hooks_now_ms() - started);

    parameters_fn = hooks_find(hooks->module, "execution_parameters_fn");
    if (parameters_fn != NULL) {
        PyObject *value = PyObject_CallNoArgs(parameters_fn);
        Py_DECREF(parameters_fn);
        if (value != NULL) {
            PyObject *convert = PyObject_GetAttrString(PyImport_AddModule("hookhost._worker"),
                                                       "execution_parameters_body");
            hooks->execution_parameters = convert ? PyObject_CallOneArg(convert, value) : NULL;
            Py_XDECREF(convert);
            Py_DECREF(value);
        }
        if (hooks->execution_parameters == NULL)
            return hooks_fail(hooks, failure);
    }
    return hooks;
}

void hooks_free(struct hooks *hooks)
{
    if (hooks == NULL)
        return;
    Py_XDECREF(hooks->module);
    Py_XDECREF(hooks->model);
    Py_XDECREF(hooks->input_fn);
    Py_XDECREF(hooks->predict_fn);
    Py_XDECREF(hooks->output_fn);
    Py_XDECREF(hooks->transform_fn);
    Py_XDECREF(hooks->default_input_fn);
    Py_XDECREF(hooks->default_predict_fn);
    Py_XDECREF(hooks->default_output_fn);
    Py_XDECREF(hooks->response_parts);
    Py_XDECREF(hooks->execution_parameters);
    Py_XDECREF(hooks->default_accept);
    Py_XDECREF(hooks->default_content_type);
    free(hooks);
}

const char *hooks_origin(const struct hooks *hooks, const char *name)
{
    if (strcmp(name, "model_fn") == 0)
        return "user";             /* a loaded script always has one */
    if (strcmp(name, "input_fn") == 0)
        return hooks->input_fn ? "user" : hooks->transform_fn ? "none" : "default";
    if (strcmp(name, "predict_fn") == 0)
        return hooks->predict_fn ? "user" : hooks->transform_fn ? "none" : "default";
    if (strcmp(name, "output_fn") == 0)
        return hooks->output_fn ? "user" : hooks->transform_fn ? "none" : "default";
    if (strcmp(name, "transform_fn") == 0)
        return hooks->transform_fn ? "user" : "none";
    if (strcmp(name, "execution_parameters_fn") == 0)
        return hooks->execution_parameters ? "user" : "none";
    return "none";
}

const char *hooks_execution_parameters(const struct hooks *hooks, size_t *length)
{
    if (hooks->execution_parameters == NULL) {
        *length = 0;
        return NULL;
    }
    *length = (size_t)PyBytes_GET_SIZE(hooks->execution_parameters);
    return PyBytes_AS_STRING(hooks->execution_parameters);
}

/* ---- replies ------------------------------------------------------------ */

static void reply_error(struct hook_reply *reply, const char *hook)
{
    reply->kind = IPC_ERROR;
    pyerror_fetch(&reply->failure);
    reply->status = reply->failure.status;
    if (reply->status >= 500) {
        log_write(LOG_ERROR, "%s raised %s: %s", hook, reply->failure.name, reply->failure.message);
        log_lines(LOG_ERROR, reply->failure.trace, strlen(reply->failure.trace));
    } else {
        log_write(LOG_INFO, "%s answered %d %s: %s", hook, reply->status, reply->failure.name,
                  reply->failure.message);
    }
    reply->field[0] = reply->failure.name;
    reply->field[1] = reply->failure.message;
    reply->field[2] = reply->failure.trace;
    for (int i = 0; i < 3; i++)
        reply->length[i] = strlen(reply->field[i]);
}

/* An error a C codec decided (400, 406, ...), answered like the Python
 * default's HTTPError would be. */
static void reply_codec_error(struct hook_reply *reply, const struct error *err, const char *hook)
{
    reply->kind = IPC_ERROR;
    reply->status = error_http_status(err->code);
    pyerror_make(&reply->failure, reply->status, error_name(err->code), err->message);
    log_write(LOG_INFO, "%s answered %d %s: %s", hook, reply->status, reply->failure.name, reply->failure.message);
    reply->field[0] = reply->failure.name;
    reply->field[1] = reply->failure.message;
    reply->field[2] = reply->failure.trace;
    for (int i = 0; i < 3; i++)
        reply->length[i] = strlen(reply->field[i]);
}

static void reply_from_encoded(struct hook_reply *reply)
{
    reply->kind = IPC_RESPONSE;
    reply->status = 200;
    reply->field[0] = media_type_response(reply->encoded.media);
    reply->length[0] = strlen(reply->field[0]);
    reply->field[1] = "";
    reply->length[1] = 0;
    reply->field[2] = reply->encoded.head.data ? reply->encoded.head.data : "";
    reply->length[2] = reply->encoded.head.length;
    reply->tail = reply->encoded.tail;
    reply->tail_length = reply->encoded.tail_length;
}

/* Raises TypeError for a return value we cannot send. */
static void reply_type_error(const char *hook, PyObject *result)
{
    PyErr_Format(PyExc_TypeError,
                 "%s returned %.100s; expected bytes, str, a (body, content_type) tuple or a response object",
                 hook, Py_TYPE(result)->tp_name);
}

/* A body value as bytes (new reference), or NULL with an exception. */
static PyObject *reply_body_bytes(PyObject *body, const char *hook)
{
    if (PyBytes_Check(body)) {
        Py_INCREF(body);
        return body;
    }
    if (PyUnicode_Check(body))
        return PyUnicode_AsUTF8String(body);
    if (PyByteArray_Check(body) || PyMemoryView_Check(body))
        return PyBytes_FromObject(body);
    reply_type_error(hook, body);
    return NULL;
}

/* Sets the content type field from a str (kept alive in keep[1]). */
static int reply_content_type(struct hook_reply *reply, PyObject *content_type)
{
    Py_ssize_t length;
    const char *text = PyUnicode_AsUTF8AndSize(content_type, &length);   /* borrowed from content_type */
    if (text == NULL)
        return -1;
    if (memchr(text, '\r', (size_t)length) || memchr(text, '\n', (size_t)length)) {
        PyErr_SetString(PyExc_ValueError, "the response content type contains a line break");
        return -1;
    }
    Py_INCREF(content_type);
    reply->keep[1] = content_type;
    reply->field[0] = text;
    reply->length[0] = (size_t)length;
    return 0;
}

static int reply_add_header(struct hook_reply *reply, PyObject *pair)
{
    PyObject *name, *value;
    const char *name_text, *value_text;
    Py_ssize_t name_length, value_length;

    if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2)
        return 0;
    name = PyTuple_GET_ITEM(pair, 0);                                   /* borrowed */
    value = PyTuple_GET_ITEM(pair, 1);                                  /* borrowed */
    name_text = PyUnicode_AsUTF8AndSize(name, &name_length);
    value_text = name_text ? PyUnicode_AsUTF8AndSize(value, &value_length) : NULL;
    if (value_text == NULL)
        return -1;
    /* Header injection and framing headers are ours to decide, not the script's. */
    if (strpbrk(name_text, "\r\n:") || memchr(value_text, '\r', (size_t)value_length) ||
        memchr(value_text, '\n', (size_t)value_length) || strlen(name_text) != (size_t)name_length ||
        strlen(value_text) != (size_t)value_length) {
        log_write(LOG_WARNING, "dropping response header %s: bad characters", name_text);
        return 0;
    }
    if (strcasecmp(name_text, "Content-Length") == 0 || strcasecmp(name_text, "Transfer-Encoding") == 0 ||
        strcasecmp(name_text, "Connection") == 0)
        return 0;
    if (buffer_append(&reply->headers, name_text, (size_t)name_length + 1) != OK ||
        buffer_append(&reply->headers, value_text, (size_t)value_length + 1) != OK) {
        PyErr_SetString(PyExc_ValueError, "response headers are too large");
        return -1;
    }
    return 0;
}

static int reply_from_response_object(struct hooks *hooks, struct hook_reply *reply, PyObject *result,
                                      PyObject *accept)
{
    PyObject *parts = PyObject_CallFunctionObjArgs(hooks->response_parts, result, accept, NULL);
    PyObject *headers;
    int rc = -1;

    if (parts == NULL)
        return -1;
    if (!PyTuple_Check(parts) || PyTuple_GET_SIZE(parts) != 4) {
        PyErr_SetString(PyExc_TypeError, "response_parts returned an unexpected value");
        Py_DECREF(parts);
        return -1;
    }
    reply->status = (int)PyLong_AsLong(PyTuple_GET_ITEM(parts, 0));
    headers = PyTuple_GET_ITEM(parts, 2);                               /* borrowed */
    if (reply_content_type(reply, PyTuple_GET_ITEM(parts, 1)) == 0 && PyList_Check(headers)) {
        rc = 0;
        for (Py_ssize_t i = 0; rc == 0 && i < PyList_GET_SIZE(headers); i++)
            rc = reply_add_header(reply, PyList_GET_ITEM(headers, i));
    }
    if (rc == 0) {
        reply->keep[0] = PyTuple_GET_ITEM(parts, 3);
        Py_INCREF(reply->keep[0]);
    }
    Py_DECREF(parts);
    return rc;
}

/* Unpacks what output_fn / transform_fn / the default output_fn returned
 * into the reply.  Steals nothing; returns -1 with an exception set. */
static int reply_from_result(struct hooks *hooks, struct hook_reply *reply, PyObject *result,
                             PyObject *accept, const char *hook)
{
    reply->kind = IPC_RESPONSE;
    reply->status = 200;
    if (PyTuple_Check(result) && PyTuple_GET_SIZE(result) == 2) {
        PyObject *content_type = PyTuple_GET_ITEM(result, 1);          /* borrowed */
        if (content_type == Py_None)
            content_type = accept;
        if (!PyUnicode_Check(content_type)) {
            PyErr_Format(PyExc_TypeError, "%s returned a tuple whose content type is %.100s, not str", hook,
                         Py_TYPE(content_type)->tp_name);
            return -1;
        }
        reply->keep[0] = reply_body_bytes(PyTuple_GET_ITEM(result, 0), hook);
        if (reply->keep[0] == NULL || reply_content_type(reply, content_type) != 0)
            return -1;
    } else if (PyBytes_Check(result) || PyUnicode_Check(result) || PyByteArray_Check(result) ||
               PyMemoryView_Check(result)) {
        reply->keep[0] = reply_body_bytes(result, hook);
        if (reply->keep[0] == NULL || reply_content_type(reply, accept) != 0)
            return -1;
    } else if (PyObject_HasAttrString(result, "status_code") || PyObject_HasAttrString(result, "status")) {
        if (reply_from_response_object(hooks, reply, result, accept) != 0)
            return -1;
    } else {
        reply_type_error(hook, result);
        return -1;
    }
    if (!PyBytes_Check(reply->keep[0])) {
        reply_type_error(hook, reply->keep[0]);
        return -1;
    }
    reply->field[1] = reply->headers.data ? reply->headers.data : "";
    reply->length[1] = reply->headers.length;
    reply->field[2] = PyBytes_AS_STRING(reply->keep[0]);
    reply->length[2] = (size_t)PyBytes_GET_SIZE(reply->keep[0]);
    return 0;
}

/* ---- the chain ---------------------------------------------------------- */

static bool accept_is_default(const char *accept, size_t length)
{
    while (length > 0 && (*accept == ' ' || *accept == '\t')) {
        accept++;
        length--;
    }
    while (length > 0 && (accept[length - 1] == ' ' || accept[length - 1] == '\t'))
        length--;
    return length == 0 || (length == 3 && memcmp(accept, "*/*", 3) == 0);
}

/* The body as the hooks see it (new reference): str for the text types, else bytes. */
static PyObject *hooks_body_object(enum media_type media, PyObject *body)
{
    if (media == MEDIA_JSON || media == MEDIA_CSV)
        return PyUnicode_DecodeUTF8(PyBytes_AS_STRING(body), PyBytes_GET_SIZE(body), "replace");
    Py_INCREF(body);
    return body;
}

/* input_fn: the user's, else the C decoder, else the Python default.  New
 * reference, or NULL with an exception set, or NULL with the reply already
 * filled by a codec error (*answered). */
static PyObject *hooks_input(struct hooks *hooks, enum media_type media, PyObject *body, PyObject *content_type,
                             struct hook_reply *reply, bool *answered)
{
    PyObject *body_object, *data;

    if (hooks->input_fn == NULL && hooks->fastpath && media != MEDIA_NONE) {
        struct error err;
        data = default_decode(media, body, &err);
        if (data != NULL)
            return data;
        if (err.code != ERR_DECLINED) {
            reply_codec_error(reply, &err, "input_fn");
            *answered = true;
            return NULL;
        }
    }
    body_object = hooks_body_object(media, body);
    if (body_object == NULL)
        return NULL;
    data = PyObject_CallFunctionObjArgs(hooks->input_fn ? hooks->input_fn : hooks->default_input_fn, body_object,
                                        content_type, NULL);
    Py_DECREF(body_object);
    return data;
}

/* output_fn: the user's, else the C encoders, else the Python default.
 * Returns 0 with the reply filled, or -1 with an exception set. */
static int hooks_output(struct hooks *hooks, PyObject *prediction, PyObject *accept, struct hook_reply *reply)
{
    PyObject *result;
    int rc;

    if (hooks->output_fn == NULL && hooks->fastpath) {
        struct error err;
        enum error_code code = default_encode(hooks->config->default_accept, prediction, accept, &reply->encoded, &err);
        if (code == OK) {
            reply_from_encoded(reply);
            return 0;
        }
        if (code != ERR_DECLINED) {
            reply_codec_error(reply, &err, "output_fn");
            return 0;
        }
    }
    result = PyObject_CallFunctionObjArgs(hooks->output_fn ? hooks->output_fn : hooks->default_output_fn,
                                          prediction, accept, NULL);
    if (result == NULL)
        return -1;
    rc = reply_from_result(hooks, reply, result, accept, "output_fn");
    Py_DECREF(result);
    return rc;
}

void hooks_invoke(struct hooks *hooks, const char *content_type, size_t content_type_length,
                  const char *accept, size_t accept_length, PyObject *body, struct hook_reply *reply)
{
    PyObject *content_type_object = NULL, *accept_object = NULL, *body_object = NULL;
    PyObject *data = NULL, *prediction = NULL, *result = NULL;
    enum media_type media;
    const char *stage = "input_fn";
    bool answered = false;

    memset(reply, 0, sizeof *reply);
    buffer_init(&reply->headers, HOOKS_HEADERS_MAX);

    if (content_type_length > 0) {
        content_type_object = PyUnicode_DecodeUTF8(content_type, (Py_ssize_t)content_type_length, "replace");
        media = media_type_parse(content_type, content_type_length);
    } else {
        content_type_object = hooks->default_content_type;
        Py_INCREF(content_type_object);
        media = MEDIA_JSON;
    }
    if (accept_is_default(accept, accept_length)) {
        accept_object = hooks->default_accept;
        Py_INCREF(accept_object);
    } else {
        accept_object = PyUnicode_DecodeUTF8(accept, (Py_ssize_t)accept_length, "replace");
    }
    if (content_type_object == NULL || accept_object == NULL)
        goto failed;

    if (hooks->transform_fn != NULL) {
        stage = "transform_fn";
        body_object = hooks_body_object(media, body);
        result = body_object ? PyObject_CallFunctionObjArgs(hooks->transform_fn, hooks->model, body_object,
                                                            content_type_object, accept_object, NULL)
                             : NULL;
        if (result == NULL || reply_from_result(hooks, reply, result, accept_object, stage) != 0)
            goto failed;
        goto done;
    }
    data = hooks_input(hooks, media, body, content_type_object, reply, &answered);
    if (answered)
        goto done;
    if (data == NULL)
        goto failed;
    stage = "predict_fn";
    prediction = PyObject_CallFunctionObjArgs(hooks->predict_fn ? hooks->predict_fn : hooks->default_predict_fn,
                                              data, hooks->model, NULL);
    if (prediction == NULL)
        goto failed;
    stage = "output_fn";
    if (hooks_output(hooks, prediction, accept_object, reply) != 0)
        goto failed;
    goto done;

failed:
    Py_CLEAR(reply->keep[0]);
    Py_CLEAR(reply->keep[1]);
    encoded_body_release(&reply->encoded);
    reply->tail = NULL;
    reply->tail_length = 0;
    buffer_reset(&reply->headers);
    reply_error(reply, stage);
done:
    Py_XDECREF(result);
    Py_XDECREF(prediction);
    Py_XDECREF(data);
    Py_XDECREF(body_object);
    Py_XDECREF(accept_object);
    Py_XDECREF(content_type_object);
}

void hook_reply_release(struct hook_reply *reply)
{
    encoded_body_release(&reply->encoded);
    Py_CLEAR(reply->keep[0]);
    Py_CLEAR(reply->keep[1]);
    buffer_free(&reply->headers);
    pyerror_free(&reply->failure);
}
