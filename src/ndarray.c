/*
 * ndarray: array_desc memory <-> NumPy arrays, and nothing else.
 *
 * Codecs stay pure C; this file alone includes numpy/arrayobject.h, so a
 * NumPy C-API change touches one file.  NumPy's import_array() keeps its
 * function table in a static pointer of this translation unit: the one piece
 * of process state here, written once by ndarray_init().
 *
 * Decoded arrays are built around the caller's memory when it is aligned
 * (no copy: an NPY payload is viewed in place) and copied when it is not,
 * so every array we hand to user code is aligned, like numpy.load's, and
 * writeable, like numpy.load's.  For encoders, arrays are read where they
 * lie when contiguous and aligned, and copied to C order otherwise, which is
 * what numpy.save does with a non-contiguous array.
 */
#include "ndarray.h"

#include <stdint.h>
#include <string.h>

#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>

#define OWNED_CAPSULE_NAME "hookhost.ndarray.owned"

static bool host_is_big_endian(void)
{
    return NPY_BYTE_ORDER == NPY_BIG_ENDIAN;
}

/* The pending exception's text into text (clearing it). */
static void take_exception_text(char *text, size_t size)
{
    PyObject *type, *value, *traceback, *string = NULL;
    const char *utf8 = NULL;

    PyErr_Fetch(&type, &value, &traceback); /* new references, or NULL */
    if (value != NULL || type != NULL)
        string = PyObject_Str(value != NULL ? value : type); /* new reference */
    if (string != NULL)
        utf8 = PyUnicode_AsUTF8(string); /* borrowed from string */
    snprintf(text, size, "%s", utf8 != NULL ? utf8 : "unknown error");
    Py_XDECREF(string);
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(traceback);
    PyErr_Clear();
}

enum error_code ndarray_init(struct error *err)
{
    char text[256];

    if (_import_array() == 0)
        return OK;
    take_exception_text(text, sizeof text);
    return error_set(err, ERR_UNAVAILABLE, "NumPy C API unavailable, fast paths off: %s", text);
}

/* The NumPy type numbers numpy.dtype('<i8') and friends resolve to on this
 * platform (NPY_INT64 is NPY_LONG on LP64), so dtype.type matches numpy.load. */
static int type_number(const struct array_desc *desc)
{
    switch (desc->kind) {
    case ELEMENT_BOOL:
        return desc->itemsize == 1 ? NPY_BOOL : -1;
    case ELEMENT_INT:
        switch (desc->itemsize) {
        case 1: return NPY_INT8;
        case 2: return NPY_INT16;
        case 4: return NPY_INT32;
        case 8: return NPY_INT64;
        }
        return -1;
    case ELEMENT_UINT:
        switch (desc->itemsize) {
        case 1: return NPY_UINT8;
        case 2: return NPY_UINT16;
        case 4: return NPY_UINT32;
        case 8: return NPY_UINT64;
        }
        return -1;
    case ELEMENT_FLOAT:
        switch (desc->itemsize) {
        case 2: return NPY_HALF;
        case 4: return NPY_FLOAT32;
        case 8: return NPY_FLOAT64;
        }
        return -1;
    case ELEMENT_COMPLEX:
        switch (desc->itemsize) {
        case 8: return NPY_COMPLEX64;
        case 16: return NPY_COMPLEX128;
        }
        return -1;
    }
    return -1;
}

/* A new reference to desc's dtype, or NULL with an exception set. */
static PyArray_Descr *dtype_for(const struct array_desc *desc)
{
    int type = type_number(desc);
    PyArray_Descr *dtype, *swapped;

    if (type < 0) {
        PyErr_Format(PyExc_ValueError, "no numeric dtype of kind %d and itemsize %zu",
                     (int)desc->kind, desc->itemsize);
        return NULL;
    }
    dtype = PyArray_DescrFromType(type); /* new reference */
    if (dtype == NULL || desc->itemsize == 1 || desc->big_endian == host_is_big_endian())
        return dtype;
    swapped = PyArray_DescrNewByteorder(dtype, desc->big_endian ? NPY_BIG : NPY_LITTLE); /* new */
    Py_DECREF(dtype);
    return swapped;
}

/* desc's shape as NumPy dimensions and its byte count; false with an
 * exception set when NumPy could not hold it. */
static bool shape_for(const struct array_desc *desc, npy_intp *dims, size_t *bytes)
{
    size_t count;

    if (desc->ndim < 0 || desc->ndim > NPY_MAXDIMS || !array_desc_count(desc, &count, bytes)) {
        PyErr_SetString(PyExc_ValueError, "array shape out of range");
        return false;
    }
    for (int i = 0; i < desc->ndim; i++) {
        if (desc->shape[i] > (size_t)NPY_MAX_INTP) {
            PyErr_SetString(PyExc_ValueError, "array dimension out of range");
            return false;
        }
        dims[i] = (npy_intp)desc->shape[i];
    }
    return true;
}

/* An empty array made the way numpy.load makes it: a flat array of no
 * elements whose shape attribute is set (then transposed for Fortran
 * order).  NumPy gives arrays it creates empty zero strides, numpy.load's
 * have the reshape's, e.g. (12, 4) for (0, 3) float32; ours must be equal.
 * Steals dtype; a new reference, or NULL with an exception set. */
static PyObject *empty_array(const struct array_desc *desc, const npy_intp *dims,
                             PyArray_Descr *dtype)
{
    npy_intp none = 0;
    PyObject *flat, *shape, *result;

    flat = PyArray_NewFromDescr(&PyArray_Type, dtype, 1, &none, NULL, NULL, 0, NULL); /* new */
    if (flat == NULL)
        return NULL;
    shape = PyTuple_New(desc->ndim); /* new reference */
    if (shape == NULL) {
        Py_DECREF(flat);
        return NULL;
    }
    for (int i = 0; i < desc->ndim; i++) {
        int axis = desc->fortran_order ? desc->ndim - 1 - i : i;
        PyObject *dim = PyLong_FromSsize_t(dims[axis]); /* new reference */
        if (dim == NULL) {
            Py_DECREF(shape);
            Py_DECREF(flat);
            return NULL;
        }
        PyTuple_SET_ITEM(shape, i, dim); /* steals dim */
    }
    if (PyObject_SetAttrString(flat, "shape", shape) < 0) {
        Py_DECREF(shape);
        Py_DECREF(flat);
        return NULL;
    }
    Py_DECREF(shape);
    if (!desc->fortran_order)
        return flat;
    result = PyArray_Transpose((PyArrayObject *)flat, NULL); /* new reference, a view */
    Py_DECREF(flat);
    return result;
}

PyObject *ndarray_from_buffer(const struct array_desc *desc, void *data, PyObject *owner)
{
    npy_intp dims[NPY_MAXDIMS];
    size_t bytes;
    PyArray_Descr *dtype;
    PyObject *array;
    /* with data == NULL any nonzero flag means Fortran order; with data it
     * selects Fortran strides */
    int order = desc->fortran_order ? NPY_ARRAY_F_CONTIGUOUS : 0;

    if (!shape_for(desc, dims, &bytes))
        return NULL;
    dtype = dtype_for(desc);
    if (dtype == NULL)
        return NULL;
    if (bytes == 0)
        return empty_array(desc, dims, dtype);
    if (data == NULL) {
        Py_DECREF(dtype);
        PyErr_SetString(PyExc_ValueError, "no data for a non-empty array");
        return NULL;
    }
    if ((uintptr_t)data % (uintptr_t)dtype->alignment != 0) {
        /* Steals dtype; returns a new reference owning fresh memory. */
        array = PyArray_NewFromDescr(&PyArray_Type, dtype, desc->ndim, dims, NULL, NULL, order,
                                     NULL);
        if (array != NULL)
            memcpy(PyArray_DATA((PyArrayObject *)array), data, bytes);
        return array;
    }
    /* Steals dtype; returns a new reference viewing data. */
    array = PyArray_NewFromDescr(&PyArray_Type, dtype, desc->ndim, dims, NULL, data,
                                 order | NPY_ARRAY_WRITEABLE, NULL);
    if (array == NULL)
        return NULL;
    Py_INCREF(owner);
    /* Steals the reference to owner, even when it fails. */
    if (PyArray_SetBaseObject((PyArrayObject *)array, owner) < 0) {
        Py_DECREF(array);
        return NULL;
    }
    return array;
}

static void free_owned(PyObject *capsule)
{
    free(PyCapsule_GetPointer(capsule, OWNED_CAPSULE_NAME));
}

PyObject *ndarray_from_owned(const struct array_desc *desc, void *data)
{
    PyObject *capsule, *array;

    if (data == NULL)
        return ndarray_from_buffer(desc, NULL, NULL);
    capsule = PyCapsule_New(data, OWNED_CAPSULE_NAME, free_owned); /* new reference */
    if (capsule == NULL) {
        free(data);
        return NULL;
    }
    array = ndarray_from_buffer(desc, data, capsule); /* takes its own reference to capsule */
    Py_DECREF(capsule); /* frees data unless the array views it */
    return array;
}

/* The array_desc kind and itemsize of a NumPy dtype, or false when it is
 * not one of ours (long double, object, strings, structured, datetime...). */
static bool kind_of(const PyArray_Descr *dtype, struct array_desc *desc)
{
    switch (dtype->type_num) {
    case NPY_BOOL:
        desc->kind = ELEMENT_BOOL;
        break;
    case NPY_BYTE: case NPY_SHORT: case NPY_INT: case NPY_LONG: case NPY_LONGLONG:
        desc->kind = ELEMENT_INT;
        break;
    case NPY_UBYTE: case NPY_USHORT: case NPY_UINT: case NPY_ULONG: case NPY_ULONGLONG:
        desc->kind = ELEMENT_UINT;
        break;
    case NPY_HALF: case NPY_FLOAT: case NPY_DOUBLE:
        desc->kind = ELEMENT_FLOAT;
        break;
    case NPY_CFLOAT: case NPY_CDOUBLE:
        desc->kind = ELEMENT_COMPLEX;
        break;
    default:
        return false;
    }
    desc->itemsize = (size_t)dtype->elsize;
    return type_number(desc) >= 0;
}

enum error_code ndarray_describe(PyObject *object, struct array_desc *desc, const void **data,
                                 PyObject **holder, struct error *err)
{
    PyArrayObject *array;
    PyObject *owned = NULL; /* a new reference we hand over as *holder */
    struct array_desc found;
    char text[256];
    bool c_contiguous, f_contiguous;

    *holder = NULL;
    memset(&found, 0, sizeof found);
    if (PyArray_CheckExact(object)) {
        array = (PyArrayObject *)object;
    } else if (PyArray_CheckAnyScalarExact(object)) {
        owned = PyArray_FromScalar(object, NULL); /* new reference: a 0-d array */
        if (owned == NULL)
            goto copy_failed;
        array = (PyArrayObject *)owned;
    } else {
        return error_set(err, ERR_DECLINED, "a %s is not a numpy array", Py_TYPE(object)->tp_name);
    }
    if (!kind_of(PyArray_DESCR(array), &found)) {
        error_set(err, ERR_DECLINED, "dtype '%c%c%d' is not a numeric dtype the fast path "
                  "encodes", PyArray_DESCR(array)->byteorder, PyArray_DESCR(array)->kind,
                  PyArray_DESCR(array)->elsize);
        Py_XDECREF(owned); /* only now: the message reads its dtype */
        return ERR_DECLINED;
    }

    c_contiguous = PyArray_IS_C_CONTIGUOUS(array);
    f_contiguous = PyArray_IS_F_CONTIGUOUS(array);
    if (!(c_contiguous || f_contiguous) || !PyArray_ISALIGNED(array)) {
        /* new reference: aligned, same dtype (byte order kept) */
        PyObject *copy = PyArray_NewCopy(array, c_contiguous || !f_contiguous ? NPY_CORDER
                                                                               : NPY_FORTRANORDER);
        Py_XDECREF(owned);
        owned = copy;
        if (owned == NULL)
            goto copy_failed;
        array = (PyArrayObject *)owned;
        c_contiguous = PyArray_IS_C_CONTIGUOUS(array);
        f_contiguous = PyArray_IS_F_CONTIGUOUS(array);
    }

    /* byte-swapped means not in the host's order */
    found.big_endian = found.itemsize > 1 &&
                       PyArray_ISBYTESWAPPED(array) != host_is_big_endian();
    found.fortran_order = f_contiguous && !c_contiguous;
    found.ndim = PyArray_NDIM(array);
    for (int i = 0; i < found.ndim; i++)
        found.shape[i] = (size_t)PyArray_DIM(array, i);
    *desc = found;
    *data = PyArray_DATA(array);
    *holder = owned;
    return OK;

copy_failed:
    take_exception_text(text, sizeof text);
    return error_set(err, ERR_NOMEM, "cannot copy the array to contiguous memory: %s", text);
}
