/*
 * number_format: the shortest decimal that reads back as the same binary
 * float, laid out exactly as Python's repr / json.dumps or numpy's scalar
 * str, and integers; locale-free, for the JSON and CSV encoders.
 *
 * Every function writes into a caller buffer of at least NUMBER_FORMAT_MAX
 * bytes and returns the number of bytes written.  The output is not
 * NUL-terminated, and bytes past the returned length (never beyond
 * NUMBER_FORMAT_MAX) may be overwritten: the layouts copy fixed-size blocks
 * of digits, which is what makes them fast.
 */
#ifndef HOOKHOST_NUMBER_FORMAT_H
#define HOOKHOST_NUMBER_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#define NUMBER_FORMAT_MAX 40

/* Python's repr(float): "0.1", "1.0", "-0.0", "1e+16", "1e-05", "1.5e+300",
 * "nan", "inf", "-inf".  Positional for decimal exponents -4..15. */
size_t number_format_double_repr(double value, char *out);

/* json.dumps of a float: as repr, but "NaN", "Infinity", "-Infinity". */
size_t number_format_double_json(double value, char *out);

/* numpy 1.24's str() of a float16/float32/float64 scalar (float_bits 16, 32
 * or 64); value must be that scalar's exact value widened to double.  The
 * digits are the shortest that round-trip in that type; positional when
 * 1e-4 <= |value| < 1e16 or value is 0, otherwise scientific ("1e-04" for
 * float32 0.0001, which lies just below 1e-4).  Any other float_bits is
 * treated as 64. */
size_t number_format_numpy_str(double value, int float_bits, char *out);

/* Decimal integers: "-9223372036854775808", "18446744073709551615". */
size_t number_format_int64(int64_t value, char *out);
size_t number_format_uint64(uint64_t value, char *out);

#endif
