/*
 * python_codecs: the hookhost._codecs extension module, the server's own C
 * default codecs (default_codecs.h) offered to Python code.
 *
 * hookhost.decoders and hookhost.encoders call it first, so a script's own
 * input_fn/output_fn, the test harness and the server's Python fallback all
 * run the production code, not a second implementation.  The functions
 * answer NotImplemented where the C path declines (the caller then runs the
 * pure-Python default, the specification) and raise hookhost.errors'
 * exceptions where the C path answers an HTTP error.
 *
 * One difference from the server: there the request body is a bytes object
 * nobody else sees, so an NPY array may view it in place.  A caller's bytes
 * is immutable and still theirs, so decode() copies it once and the array is
 * writeable and independent, as numpy.load's.  A writable buffer
 * (bytearray, writable memoryview) is taken as handed over and viewed with
 * no copy, as numpy.frombuffer would.
 *
 * Module init imports NumPy's C API; when that fails the import fails, and
 * hookhost falls back to the pure-Python codecs.  No module state.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "codec_npy.h"
#include "default_codecs.h"
#include "ndarray.h"
#include "negotiate.h"

/* The media type content_type names, or MEDIA_NONE (also for non-str). */
static enum media_type media_of(PyObject *content_type)
{
    const char *text;
    Py_ssize_t length;

    if (!PyUnicode_Check(content_type))
        return MEDIA_NONE;
    text = PyUnicode_AsUTF8AndSize(content_type, &length); /* borrowed from content_type */
    if (text == NULL) {
        PyErr_Clear(); /* lone surrogates: no codec type is spelt that way */
        return MEDIA_NONE;
    }
    return media_type_parse(text, (size_t)length);
}

/* Raises the hookhost.errors exception for a codec error and returns NULL. */
static PyObject *raise_codec_error(const struct error *err)
{
    const char *class_name;
    PyObject *module, *class, *exception;
    int status = error_http_status(err->code);

    if (err->code == ERR_NOMEM)
        return PyErr_Format(PyExc_MemoryError, "%s", err->message);
    switch (status) {
    case 400: class_name = "BadRequest"; break;
    case 406: class_name = "NotAcceptable"; break;
    case 415: class_name = "UnsupportedMediaType"; break;
    default: class_name = "HTTPError"; break;
    }
    /* Imported here, not at module init, so that importing hookhost._codecs
     * never imports the package (and cannot be circular). */
    module = PyImport_ImportModule("hookhost.errors"); /* new reference */
    if (module == NULL)
        return NULL;
    class = PyObject_GetAttrString(module, class_name); /* new reference */
    Py_DECREF(module);
    if (class == NULL)
        return NULL;
    if (status == 400 || status == 406 || status == 415)
        exception = PyObject_CallFunction(class, "s", err->message); /* new reference */
    else
        exception = PyObject_CallFunction(class, "is", status, err->message);
    Py_DECREF(class);
    if (exception == NULL)
        return NULL;
    PyErr_SetObject((PyObject *)Py_TYPE(exception), exception);
    Py_DECREF(exception);
    return NULL;
}

/* default_decode's answer as a Python result: the array, NotImplemented, or
 * an exception.  Takes ownership of array. */
static PyObject *decode_result(PyObject *array, const struct error *err)
{
    if (array != NULL)
        return array;
    if (err->code == ERR_DECLINED)
        Py_RETURN_NOTIMPLEMENTED;
    return raise_codec_error(err);
}

/* An NPY body in a writable buffer, viewed in place: the array's base is a
 * memoryview holding the buffer export, so the buffer cannot be resized
 * under the array.  The same steps as default_decode's NPY case, with a
 * different owner. */
static PyObject *decode_npy_in_place(PyObject *body)
{
    struct array_desc desc;
    struct error err;
    size_t offset;
    Py_buffer *view;
    PyObject *memory, *array;

    memory = PyMemoryView_FromObject(body); /* new reference */
    if (memory == NULL)
        return NULL;
    view = PyMemoryView_GET_BUFFER(memory); /* borrowed from memory */
    if (view->readonly || !PyBuffer_IsContiguous(view, 'C')) {
        Py_DECREF(memory);
        Py_RETURN_NOTIMPLEMENTED;
    }
    error_clear(&err);
    if (npy_decode(view->buf, (size_t)view->len, &desc, &offset, &err) != OK) {
        Py_DECREF(memory);
        return decode_result(NULL, &err);
    }
    array = ndarray_from_buffer(&desc, (char *)view->buf + offset, memory); /* takes its own reference */
    Py_DECREF(memory);
    if (array == NULL) {
        PyErr_Clear(); /* as default_decode: the caller's other paths decide */
        Py_RETURN_NOTIMPLEMENTED;
    }
    return array;
}

PyDoc_STRVAR(decode_doc,
"decode(body, content_type) -> numpy.ndarray or NotImplemented\n\n"
"The server's C default input_fn.  body: bytes, str (text types), or a\n"
"bytes-like object.  Raises hookhost.errors.BadRequest (or another\n"
"HTTPError) where the server answers an error; NotImplemented where the C\n"
"path declines (run hookhost.decoders.decode_python).  An NPY array from\n"
"bytes is a private copy; from a writable buffer it is a view of it.");

static PyObject *python_codecs_decode(PyObject *module, PyObject *const *args, Py_ssize_t count)
{
    PyObject *body, *private = NULL, *array;
    enum media_type media;
    struct error err;

    (void)module;
    if (count != 2)
        return PyErr_Format(PyExc_TypeError, "decode() takes 2 arguments (%zd given)", count);
    body = args[0];
    media = media_of(args[1]);
    if (media == MEDIA_NONE)
        Py_RETURN_NOTIMPLEMENTED;

    if (PyUnicode_Check(body)) {
        if (media == MEDIA_NPY)
            Py_RETURN_NOTIMPLEMENTED;
        private = PyUnicode_AsUTF8String(body); /* new reference */
        if (private == NULL) {
            PyErr_Clear(); /* lone surrogates: the Python default decides */
            Py_RETURN_NOTIMPLEMENTED;
        }
        body = private;
    } else if (PyBytes_Check(body)) {
        /* The array would view and may write the body: give it its own. */
        if (media == MEDIA_NPY) {
            private = PyBytes_FromStringAndSize(PyBytes_AS_STRING(body), PyBytes_GET_SIZE(body)); /* new */
            if (private == NULL)
                return NULL;
            body = private;
        }
    } else if (PyObject_CheckBuffer(body)) {
        if (media == MEDIA_NPY) {
            PyObject *result = decode_npy_in_place(body);
            if (result != Py_NotImplemented)
                return result;
            Py_DECREF(result);
        }
        private = PyBytes_FromObject(body); /* new reference, a copy */
        if (private == NULL) {
            PyErr_Clear();
            Py_RETURN_NOTIMPLEMENTED;
        }
        body = private;
    } else {
        Py_RETURN_NOTIMPLEMENTED;
    }
    array = default_decode(media, body, &err);
    Py_XDECREF(private); /* an NPY array keeps its own reference */
    return decode_result(array, &err);
}

PyDoc_STRVAR(encode_doc,
"encode(obj, content_type) -> bytes or NotImplemented\n\n"
"The server's C default output_fn for one media type.  Raises\n"
"hookhost.errors.NotAcceptable where the server answers 406 (CSV of 3-D\n"
"and up); NotImplemented where the C path declines (not a numpy array or\n"
"scalar of a numeric dtype, a type it does not encode): run\n"
"hookhost.encoders.encode_python.");

static PyObject *python_codecs_encode(PyObject *module, PyObject *const *args, Py_ssize_t count)
{
    struct encoded_body encoded;
    struct error err;
    enum media_type media;
    enum error_code rc;
    PyObject *result;

    (void)module;
    if (count != 2)
        return PyErr_Format(PyExc_TypeError, "encode() takes 2 arguments (%zd given)", count);
    media = media_of(args[1]);
    if (media == MEDIA_NONE)
        Py_RETURN_NOTIMPLEMENTED;
    rc = default_encode_as(media, args[0], &encoded, &err);
    if (rc == ERR_DECLINED)
        Py_RETURN_NOTIMPLEMENTED;
    if (rc != OK)
        return raise_codec_error(&err);
    if (encoded.head.length > (size_t)PY_SSIZE_T_MAX - encoded.tail_length) {
        encoded_body_release(&encoded);
        return PyErr_NoMemory();
    }
    result = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(encoded.head.length + encoded.tail_length)); /* new */
    if (result != NULL) {
        char *out = PyBytes_AS_STRING(result);
        if (encoded.head.length > 0)
            memcpy(out, encoded.head.data, encoded.head.length);
        if (encoded.tail_length > 0)
            memcpy(out + encoded.head.length, encoded.tail, encoded.tail_length);
    }
    encoded_body_release(&encoded);
    return result;
}

static PyMethodDef python_codecs_methods[] = {
    { "decode", (PyCFunction)(void (*)(void))python_codecs_decode, METH_FASTCALL, decode_doc },
    { "encode", (PyCFunction)(void (*)(void))python_codecs_encode, METH_FASTCALL, encode_doc },
    { NULL, NULL, 0, NULL }
};

static struct PyModuleDef python_codecs_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "hookhost._codecs",
    .m_doc = "The hookhost server's C default codecs (src/default_codecs.c); "
             "see hookhost.decoders and hookhost.encoders.",
    .m_size = 0,
    .m_methods = python_codecs_methods,
};

PyMODINIT_FUNC PyInit__codecs(void);

PyMODINIT_FUNC PyInit__codecs(void)
{
    if (!default_codecs_init()) {
        PyErr_SetString(PyExc_ImportError, "hookhost._codecs: the NumPy C API is unavailable");
        return NULL;
    }
    return PyModule_Create(&python_codecs_module);
}
