/*
 * codec_npy: the NPY file format (numpy.lib.format) over plain memory.
 *
 * The decoder answers what numpy.load(io.BytesIO(data)) of the installed
 * NumPy would: the array's descriptor, or the fact that numpy.load raises.
 * It covers the numeric dtypes of array_desc.h and a header syntax that
 * every NPY writer uses; whatever lies outside that (object, string and
 * structured dtypes, pickles, npz archives, unusual Python literal syntax)
 * is declined, never guessed, so numpy.load can decide it.
 *
 * The encoder writes the header numpy.save writes; the caller appends the
 * payload (C order, or Fortran order when the header says so).
 */
#ifndef HOOKHOST_CODEC_NPY_H
#define HOOKHOST_CODEC_NPY_H

#include <stddef.h>

#include "array_desc.h"
#include "buffer.h"
#include "error.h"

/* numpy.lib.format._MAX_HEADER_SIZE: numpy.load refuses longer headers
 * (unless allow_pickle=True, which lifts the limit; we keep it regardless). */
#define CODEC_NPY_MAX_HEADER_SIZE 10000

/* Decodes the header of an NPY file (format 1.0, 2.0 or 3.0) of `length`
 * bytes.  On OK fills desc and *payload_offset: the payload is the desc's
 * count * itemsize bytes at data + *payload_offset, which the decoder has
 * checked are present (bytes after them are ignored, as numpy.load does).
 * ERR_BAD_INPUT: numpy.load raises on this input (truncated data, bad
 * version, unparsable or lying header, header over the size limit,
 * overflowing shape, more than 32 dimensions); err says why.
 * ERR_DECLINED: not a case this decoder decides (no NPY magic, so numpy.load
 * would try a pickle or an npz; a non-numeric or unusual descr, e.g. '|O',
 * '<U3', a structured dtype; a negative dimension, which numpy's reshape may
 * accept; header syntax outside the covered subset): run numpy.load.  Never
 * reads outside data[0, length). */
enum error_code npy_decode(const void *data, size_t length, struct array_desc *desc,
                           size_t *payload_offset, struct error *err);

/* Appends to out exactly the header bytes numpy.save writes for an array of
 * this dtype, memory order and shape: magic, version 1.0 (numeric headers
 * never need 2.0), the dict, numpy's growth padding and alignment to 64
 * bytes, '\n'.  fortran_order is written True only when the array is
 * Fortran- and not C-contiguous (numpy's flags: never for 0-d, 1-D, empty or
 * single-non-unit-axis shapes).  ERR_BAD_INPUT for a desc no numeric dtype
 * matches; ERR_NOMEM / ERR_TOO_LARGE from the buffer (which is then freed). */
enum error_code npy_encode_header(const struct array_desc *desc, struct buffer *out,
                                  struct error *err);

#endif
