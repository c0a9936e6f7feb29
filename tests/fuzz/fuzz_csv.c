/*
 * libFuzzer target for the CSV decoder (src/codec_csv.c).
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
 *       -Isrc src/codec_csv.c src/number_parse.c src/number_format.c src/buffer.c \
 *       src/error.c src/array_desc.c tests/fuzz/fuzz_csv.c -ljansson -lm -o fuzz_csv
 *   ./fuzz_csv tests/fuzz/corpus/csv
 *
 * The decoder must stay inside the input (the fuzzer's buffer is exactly
 * `size` bytes, so ASan sees any over-read), answer only the codes the API
 * promises, hand over values exactly when it succeeds, squeeze the shape as
 * the contract says (0-d to 2-D, a 2-D result has more than one row and
 * column), and have as many values as the shape holds.  A decoded array must
 * survive a round trip: csv_encode prints it (numpy.savetxt's layout, a 1-D
 * array as a column), csv_decode_float32 reads the print back, and the shape
 * and every value (NaN as NaN; one documented exception) come out the same.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec_csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile float sink;

static void fail(const char *what, const struct error *err)
{
    fprintf(stderr, "fuzz_csv: %s (%s)\n", what, err->message);
    abort();
}

static bool same_float(float a, float b)
{
    if (isnan(a) || isnan(b))
        return isnan(a) && isnan(b);
    return memcmp(&a, &b, sizeof a) == 0;
}

/* numpy's str() of a float32 is the shortest text a float32 parser reads
 * back, but CSV is read through double, as float() reads it; for exactly one
 * float32 magnitude (7.038531e-26, bits 0x15ae43fd: an exhaustive check of
 * all float32 found no other) that second rounding lands one ulp away, in
 * numpy as here. */
static bool double_rounding_exception(float value)
{
    uint32_t bits;
    memcpy(&bits, &value, sizeof bits);
    return (bits & 0x7FFFFFFFu) == 0x15AE43FDu;
}

static void round_trip(const struct array_desc *desc, const float *values, size_t count)
{
    struct array_desc again;
    struct buffer out;
    struct error err;
    float *reread;

    buffer_init(&out, SIZE_MAX);
    if (csv_encode(desc, values, &out, &err) != OK)
        fail("csv_encode refused a decoded array", &err);
    if (csv_decode_float32(out.data, out.length, &again, &reread, &err) != OK)
        fail("csv_encode's output does not decode", &err);
    if (again.ndim != desc->ndim || memcmp(again.shape, desc->shape, sizeof(size_t) * (size_t)desc->ndim) != 0)
        fail("round trip changed the shape", &err);
    for (size_t i = 0; i < count; i++)
        if (!same_float(values[i], reread[i]) && !double_rounding_exception(values[i]))
            fail("round trip changed a value", &err);
    free(reread);
    buffer_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct array_desc desc;
    struct error err;
    float *values = (float *)&desc;
    enum error_code rc = csv_decode_float32((const char *)data, size, &desc, &values, &err);
    size_t count = 1;

    if (memchr(err.message, '\0', sizeof err.message) == NULL)
        fail("message not terminated", &err);
    if (rc != OK) {
        if (rc != ERR_BAD_INPUT && rc != ERR_DECLINED && rc != ERR_NOMEM)
            fail("unexpected code", &err);
        if (values != NULL || err.message[0] == '\0')
            fail("failure without a message, or with values", &err);
        return 0;
    }
    if (values == NULL || desc.ndim < 0 || desc.ndim > 2 || desc.kind != ELEMENT_FLOAT || desc.itemsize != 4)
        fail("bad result", &err);
    /* One row or one column squeezes away: every remaining axis has two or more. */
    for (int i = 0; i < desc.ndim; i++) {
        if (desc.shape[i] < 2)
            fail("shape not squeezed", &err);
        count *= desc.shape[i];
    }
    if (count == 0 || count > size)
        fail("value count impossible for the input", &err);
    for (size_t i = 0; i < count; i++)
        sink = values[i];
    round_trip(&desc, values, count);
    free(values);
    return 0;
}
