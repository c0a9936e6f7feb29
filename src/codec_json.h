/*
 * codec_json: the default application/json and application/jsonlines codecs
 * (CONTRACT.md section 4) in pure C, equal to the Python reference defaults.
 *
 * Decoders give what numpy.array(json.loads(text)).astype(float32) gives:
 * float32 values in C order and the shape in desc (native byte order).  The
 * Python path is the specification; when an input falls outside what this
 * code reproduces exactly (string escapes or non-ASCII strings, nesting
 * deeper than ARRAY_MAX_DIMS, integers beyond the double range) a decoder
 * answers ERR_DECLINED and the caller runs the Python default instead.
 * Malformed JSON, ragged lists, objects and non-numeric strings are
 * ERR_BAD_INPUT with a message (JSON syntax errors name line, column and
 * character like Python's json module).
 *
 * Encoders print json.dumps(array.tolist()) byte for byte into a buffer.
 */
#ifndef HOOKHOST_CODEC_JSON_H
#define HOOKHOST_CODEC_JSON_H

#include <stddef.h>

#include "array_desc.h"
#include "buffer.h"
#include "error.h"

/* Decodes one JSON document of length bytes.  On OK, *values is a malloc'd
 * array of desc's element count (never NULL, even when empty) that the caller
 * frees, and desc describes float32 in C order.  On failure *values is NULL
 * and err says why: ERR_BAD_INPUT, ERR_DECLINED, ERR_NOMEM. */
enum error_code json_decode_float32(const char *text, size_t length, struct array_desc *desc,
                                    float **values, struct error *err);

/* Decodes JSON Lines: one flat JSON array per line that is not blank (lines
 * split on LF, one CR before it dropped), each converted as a document is,
 * giving a 2-D (lines, length) float32 array.  Same ownership and errors as
 * json_decode_float32; messages name the line. */
enum error_code jsonlines_decode_float32(const char *text, size_t length, struct array_desc *desc,
                                         float **values, struct error *err);

/* Appends json.dumps(x.tolist()) for the array desc describes at data (laid
 * out in desc's order and byte order) to out.  bool, int, uint and float
 * kinds; complex is ERR_DECLINED.  A buffer error (ERR_NOMEM, ERR_TOO_LARGE)
 * leaves out freed, as buffer.h says. */
enum error_code json_encode(const struct array_desc *desc, const void *data, struct buffer *out,
                            struct error *err);

/* Appends one json.dumps(row.tolist()) and "\n" per first-axis row (a 0-d
 * array is one row).  Same kinds and errors as json_encode. */
enum error_code jsonlines_encode(const struct array_desc *desc, const void *data, struct buffer *out,
                                 struct error *err);

#endif
