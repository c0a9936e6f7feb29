/*
 * libFuzzer target for the JSON and JSON Lines decoders (src/codec_json.c).
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
 *       -Isrc src/codec_json.c src/number_parse.c src/number_format.c src/buffer.c \
 *       src/error.c src/array_desc.c tests/fuzz/fuzz_json.c -ljansson -lm -o fuzz_json
 *   ./fuzz_json tests/fuzz/corpus/json
 *
 * Every input is decoded as a JSON body and as JSON Lines.  The decoders must
 * stay inside the input (the fuzzer's buffer is exactly `size` bytes, so ASan
 * sees any over-read), answer only the codes the API promises, hand over
 * values exactly when they succeed, and describe a shape whose element count
 * is the number of values.  A decoded array must also survive a round trip:
 * json_encode prints it, json_decode_float32 reads the print back, and the
 * shape and every value (NaN as NaN) come out the same.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const struct error *err)
{
    fprintf(stderr, "fuzz_json: %s (%s)\n", what, err->message);
    abort();
}

static size_t checked_count(const struct array_desc *desc, const struct error *err)
{
    size_t count = 1;
    if (desc->ndim < 0 || desc->ndim > ARRAY_MAX_DIMS || desc->kind != ELEMENT_FLOAT || desc->itemsize != 4
        || desc->fortran_order)
        fail("bad descriptor", err);
    for (int i = 0; i < desc->ndim; i++)
        count *= desc->shape[i];
    return count;
}

static bool same_float(float a, float b)
{
    if (isnan(a) || isnan(b))
        return isnan(a) && isnan(b);
    return memcmp(&a, &b, sizeof a) == 0;
}

static void round_trip(const struct array_desc *desc, const float *values, size_t count)
{
    struct array_desc again;
    struct buffer out;
    struct error err;
    float *reread;

    buffer_init(&out, SIZE_MAX);
    if (json_encode(desc, values, &out, &err) != OK)
        fail("json_encode refused a decoded array", &err);
    if (json_decode_float32(out.data, out.length, &again, &reread, &err) != OK)
        fail("json_encode's output does not decode", &err);
    if (again.ndim != desc->ndim || memcmp(again.shape, desc->shape, sizeof(size_t) * (size_t)desc->ndim) != 0)
        fail("round trip changed the shape", &err);
    for (size_t i = 0; i < count; i++)
        if (!same_float(values[i], reread[i]))
            fail("round trip changed a value", &err);
    free(reread);
    buffer_free(&out);
}

static volatile float sink;

static void check(enum error_code (*decode)(const char *, size_t, struct array_desc *, float **, struct error *),
                  const char *text, size_t size)
{
    struct array_desc desc;
    struct error err;
    float *values = (float *)&desc;
    enum error_code rc = decode(text, size, &desc, &values, &err);
    size_t count;

    if (memchr(err.message, '\0', sizeof err.message) == NULL)
        fail("message not terminated", &err);
    if (rc != OK) {
        if (rc != ERR_BAD_INPUT && rc != ERR_DECLINED && rc != ERR_NOMEM)
            fail("unexpected code", &err);
        if (values != NULL || err.message[0] == '\0')
            fail("failure without a message, or with values", &err);
        return;
    }
    if (values == NULL)
        fail("OK without values", &err);
    count = checked_count(&desc, &err);
    if (count > size)
        fail("more values than bytes", &err);
    for (size_t i = 0; i < count; i++)
        sink = values[i];  /* every value is inside the allocation */
    round_trip(&desc, values, count);
    free(values);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check(json_decode_float32, (const char *)data, size);
    check(jsonlines_decode_float32, (const char *)data, size);
    return 0;
}
