/*
 * array_desc: what the codecs know of an array, without NumPy.
 *
 * Codecs read and write plain memory described by this struct; ndarray.c is
 * the only module that turns it into, or reads it out of, a NumPy array.
 */
#ifndef HOOKHOST_ARRAY_DESC_H
#define HOOKHOST_ARRAY_DESC_H

#include <stdbool.h>
#include <stddef.h>

/* NumPy 1.x's NPY_MAXDIMS; the NPY decoder refuses more. */
#define ARRAY_MAX_DIMS 32

enum element_kind {
    ELEMENT_BOOL,    /* 'b', itemsize 1 */
    ELEMENT_INT,     /* 'i', itemsize 1, 2, 4, 8 */
    ELEMENT_UINT,    /* 'u', itemsize 1, 2, 4, 8 */
    ELEMENT_FLOAT,   /* 'f', itemsize 2, 4, 8 */
    ELEMENT_COMPLEX  /* 'c', itemsize 8, 16 */
};

struct array_desc {
    enum element_kind kind;
    size_t itemsize;            /* bytes per element */
    bool big_endian;            /* element bytes are big-endian (false for itemsize 1) */
    bool fortran_order;         /* data is laid out column-major */
    int ndim;                   /* 0 .. ARRAY_MAX_DIMS */
    size_t shape[ARRAY_MAX_DIMS];
};

/* The element count, or false when it (or its byte size) overflows size_t. */
bool array_desc_count(const struct array_desc *desc, size_t *count, size_t *bytes);

#endif
