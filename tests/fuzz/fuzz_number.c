/*
 * libFuzzer target for number_parse / number_format.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
 *       -Isrc src/number_parse.c src/number_format.c tests/fuzz/fuzz_number.c -lm -o fuzz_number
 *   ./fuzz_number tests/fuzz/corpus/number
 *
 * Checks, on every input: the parser stays inside the input (the fuzzer's
 * buffer is exactly `size` bytes, so ASan sees any over-read); what it
 * accepts, strtod reads whole and to the same double; every printer's output
 * parses back to the value it printed, in its own type.  The first 8, 4 and 2
 * bytes are also taken as float64, float32 and float16 bit patterns.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "number_format.h"
#include "number_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const char *text, size_t length)
{
    fprintf(stderr, "fuzz_number: %s: '%.*s'\n", what, (int)(length > 200 ? 200 : length), text);
    abort();
}

static bool same_double(double a, double b)
{
    if (isnan(a) || isnan(b))
        return isnan(a) && isnan(b);
    return memcmp(&a, &b, sizeof a) == 0;
}

/* Parses text that must be a number from start to end. */
static double reparse(const char *text, size_t length)
{
    double value = 0;
    const char *end = number_parse_double(text, text + length, &value);
    if (end != text + length)
        fail("printed text does not parse whole", text, length);
    return value;
}

static double half_value(unsigned bits)
{
    const unsigned exponent = (bits >> 10) & 0x1F, fraction = bits & 0x3FF;
    double magnitude;
    if (exponent == 0)
        magnitude = ldexp(fraction, -24);
    else if (exponent == 31)
        magnitude = fraction ? NAN : INFINITY;
    else
        magnitude = ldexp(1024 + fraction, (int)exponent - 25);
    return bits & 0x8000 ? -magnitude : magnitude;
}

/* Does x round to the finite float16 `bits` (nearest, ties to even)? */
static bool rounds_to_half(double x, unsigned bits)
{
    const unsigned magnitude = bits & 0x7FFF;
    const double value = half_value(magnitude);
    /* Neighbours; above the largest finite half, where the next would be. */
    const double up = magnitude == 0x7BFF ? 65536.0 : half_value(magnitude + 1);
    const double down = magnitude == 0 ? -half_value(1) : half_value(magnitude - 1);
    const double low = (value + down) / 2, high = (value + up) / 2, a = fabs(x);

    if (signbit(x) != (bits >> 15 != 0))
        return false;
    if (a > low && a < high)
        return true;
    return (a == low || a == high) && (magnitude & 1) == 0;
}

static void check_printers(double value)
{
    char out[NUMBER_FORMAT_MAX + 1];
    size_t length = number_format_double_repr(value, out);
    if (length >= NUMBER_FORMAT_MAX)
        fail("repr too long", out, length);
    if (!same_double(reparse(out, length), value))
        fail("repr does not round-trip", out, length);
    length = number_format_double_json(value, out);
    if (!same_double(reparse(out, length), value))
        fail("json does not round-trip", out, length);
    length = number_format_numpy_str(value, 64, out);
    if (!same_double(reparse(out, length), value))
        fail("numpy float64 str does not round-trip", out, length);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    double value = 0;
    const char *end = number_parse_double(text, text + size, &value);

    if (end != NULL) {
        const size_t length = (size_t)(end - text);
        char *copy, *strtod_end;
        double expected;
        if (end <= text || end > text + size)
            fail("end pointer out of range", text, size);
        copy = malloc(length + 1);
        if (copy == NULL)
            return 0;
        memcpy(copy, text, length);
        copy[length] = '\0';
        expected = strtod(copy, &strtod_end);
        if (strtod_end != copy + length || !same_double(expected, value)
            || (isnan(value) && signbit(value) != signbit(expected)))
            fail("differs from strtod", text, length);
        free(copy);
        check_printers(value);
        {
            const float narrow = (float)value;
            char out[NUMBER_FORMAT_MAX];
            size_t printed = number_format_numpy_str(narrow, 32, out);
            if (!((float)reparse(out, printed) == narrow || isnan(narrow)))
                fail("numpy float32 str does not round-trip", out, printed);
        }
    }

    {
        int64_t integer = 0;
        bool overflow = false;
        end = number_parse_int64(text, text + size, &integer, &overflow);
        if (end != NULL) {
            char out[NUMBER_FORMAT_MAX];
            int64_t back = 0;
            size_t printed;
            if (end <= text || end > text + size)
                fail("int64 end pointer out of range", text, size);
            printed = number_format_int64(integer, out);
            if (number_parse_int64(out, out + printed, &back, &overflow) != out + printed || overflow
                || back != integer)
                fail("int64 does not round-trip", out, printed);
        }
    }

    if (size >= 8) {
        uint64_t bits;
        double pattern;
        memcpy(&bits, data, 8);
        memcpy(&pattern, &bits, 8);
        check_printers(pattern);
    }
    if (size >= 4) {
        uint32_t bits;
        float pattern;
        char out[NUMBER_FORMAT_MAX];
        size_t printed;
        memcpy(&bits, data, 4);
        memcpy(&pattern, &bits, 4);
        printed = number_format_numpy_str(pattern, 32, out);
        if (!((float)reparse(out, printed) == pattern || isnan(pattern)))
            fail("numpy float32 bits do not round-trip", out, printed);
    }
    if (size >= 2) {
        const unsigned bits = (unsigned)data[0] | (unsigned)data[1] << 8;
        const double pattern = half_value(bits);
        char out[NUMBER_FORMAT_MAX];
        size_t printed = number_format_numpy_str(pattern, 16, out);
        const double back = reparse(out, printed);
        if (isnan(pattern) || isinf(pattern) ? !same_double(back, pattern) : !rounds_to_half(back, bits))
            fail("numpy float16 str does not round-trip", out, printed);
    }
    return 0;
}
