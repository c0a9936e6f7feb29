/*
 * number_parse: decimal text to double and int64, exact and locale-free, for
 * the JSON and CSV codecs.
 *
 * Both functions scan a span [start, end) that need not be NUL-terminated and
 * never read at or past `end`.  They take the longest prefix that is a number
 * and return the pointer just past it, so the caller decides what may follow
 * (a delimiter, the end of the field, ...).
 */
#ifndef HOOKHOST_NUMBER_PARSE_H
#define HOOKHOST_NUMBER_PARSE_H

#include <stdbool.h>
#include <stdint.h>

/* Parses the longest decimal number at [start, end) of the grammar
 *   [+-]? ( digits ( '.' digits* )? | '.' digits ) ( [eE] [+-]? digits )?
 * or, case-insensitively, [+-]? ( "nan" | "inf" | "infinity" ).
 * No whitespace, hex, or underscores.  The result is correctly rounded to the
 * nearest double, ties to even (as Python's float() and strtod in the C
 * locale); overflow gives +-inf, underflow +-0.0, "-nan" a NaN with the sign
 * bit set.  Returns the pointer just past the number, or NULL (and *value
 * untouched) when no number starts at start. */
const char *number_parse_double(const char *start, const char *end, double *value);

/* Parses [+-]?digits at [start, end).  Returns the pointer just past the
 * digits, or NULL when there are none.  *overflow is set to whether the value
 * lies outside int64_t; if so *value is saturated to INT64_MIN or INT64_MAX. */
const char *number_parse_int64(const char *start, const char *end, int64_t *value, bool *overflow);

#endif
