/*
 * ndarray: the one bridge between array_desc.h memory and NumPy arrays.
 *
 * This is the only module that includes NumPy's headers.  Everything here
 * needs the GIL, and all but ndarray_init need a prior ndarray_init that
 * returned OK: the caller keeps that result (e.g. in its worker state) and
 * leaves the fast paths off when it failed, so a missing or mismatched
 * NumPy costs speed, never the worker.
 */
#ifndef HOOKHOST_NDARRAY_H
#define HOOKHOST_NDARRAY_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "array_desc.h"
#include "error.h"

/* Imports NumPy's C API (_import_array).  OK, or ERR_UNAVAILABLE with the
 * Python exception's text in err and the exception cleared.  Call once per
 * interpreter, after it started. */
enum error_code ndarray_init(struct error *err);

/* A new reference to an array of desc's dtype (byte order kept: '>f4' data
 * gives a '>f4' array, as numpy.load does), shape and memory order over
 * desc's count * itemsize bytes at data.  When data is aligned for the dtype
 * the array is a writeable view with `owner` (a new reference is taken) as
 * its base, so owner must keep data alive and must be memory nobody else
 * reads: a bytearray, a capsule over malloc'd memory, or a bytes object made
 * for this request and never shown to Python code (numpy.load returns a
 * writeable array, and in-place arithmetic on the input must keep working).
 * Unaligned data is copied into a fresh array that does not reference owner;
 * an empty array is made fresh too (with numpy.load's strides).  The result
 * equals numpy.load's in dtype, shape, strides, flags and bytes.  NULL with
 * a Python exception set on failure (bad desc, no memory). */
PyObject *ndarray_from_buffer(const struct array_desc *desc, void *data, PyObject *owner);

/* Like ndarray_from_buffer, but takes ownership of malloc'd data, which is
 * free()d when the array (or, on failure, this call) is done with it.  data
 * may be NULL when the array has no bytes. */
PyObject *ndarray_from_owned(const struct array_desc *desc, void *data);

/* For encoders: when object is exactly a numpy.ndarray or a numpy scalar
 * (not a subclass) of a dtype array_desc.h names, fills desc and points
 * *data at its count * itemsize bytes: aligned, C- or Fortran-contiguous
 * (desc->fortran_order set only when not also C-contiguous, as numpy.save
 * decides).  A non-contiguous or unaligned array is copied (to C order, or
 * Fortran order when it was Fortran-contiguous), a scalar becomes a 0-d
 * array: *holder then receives that new object, a new reference the caller
 * releases when done with *data; otherwise *holder is NULL and *data points
 * into object.
 * ERR_DECLINED, with no Python error set, for anything else (lists, object,
 * string, long double or structured dtypes, subclasses such as masked
 * arrays); ERR_NOMEM when the copy fails (Python error cleared). */
enum error_code ndarray_describe(PyObject *object, struct array_desc *desc, const void **data,
                                 PyObject **holder, struct error *err);

#endif
