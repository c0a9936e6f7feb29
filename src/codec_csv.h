/*
 * codec_csv: the default text/csv codec (CONTRACT.md section 4) in pure C,
 * equal to the Python reference (python/hookhost/decoders.py decode_csv and
 * encoders.py encode_csv).
 *
 * Decoding reads the reference's strict numeric grammar (LF or CRLF rows,
 * ',' fields, RFC 4180 quotes, spaces/tabs around fields ignored, blank and
 * '#' lines skipped, nan/inf) into float32, squeezed like numpy.genfromtxt:
 * one row and one column -> 0-d, one row or one column -> 1-D, else 2-D.
 * Errors are ERR_BAD_INPUT with the reference's "line L column C: ..."
 * message; when the message would quote non-ASCII text (whose Python repr
 * needs Unicode tables) the decoder answers ERR_DECLINED instead, and the
 * Python default words it.
 *
 * Encoding prints numpy.savetxt(buf, x, delimiter=',', fmt='%s') byte for
 * byte: numpy's str() of every element, a 1-D array as one column, a 0-d
 * array as one value and "\n".
 */
#ifndef HOOKHOST_CODEC_CSV_H
#define HOOKHOST_CODEC_CSV_H

#include <stddef.h>

#include "array_desc.h"
#include "buffer.h"
#include "error.h"

/* Decodes length bytes of CSV.  On OK, *values is a malloc'd array of desc's
 * element count (never NULL) that the caller frees, and desc describes
 * float32 in C order.  On failure *values is NULL and err says why:
 * ERR_BAD_INPUT, ERR_DECLINED, ERR_NOMEM. */
enum error_code csv_decode_float32(const char *text, size_t length, struct array_desc *desc,
                                   float **values, struct error *err);

/* Appends numpy.savetxt's CSV for the array desc describes at data (laid out
 * in desc's order and byte order) to out.  bool, int, uint and float kinds,
 * 0-d to 2-D; 3-D and up is ERR_NOT_ACCEPTABLE, complex ERR_DECLINED.  A
 * buffer error (ERR_NOMEM, ERR_TOO_LARGE) leaves out freed, as buffer.h says. */
enum error_code csv_encode(const struct array_desc *desc, const void *data, struct buffer *out,
                           struct error *err);

#endif
