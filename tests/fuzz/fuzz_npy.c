/*
 * fuzz_npy: libFuzzer target for npy_decode (and npy_encode_header on what
 * it accepts).
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
 *       -Isrc tests/fuzz/fuzz_npy.c src/codec_npy.c src/buffer.c src/array_desc.c \
 *       src/error.c -ljansson -o fuzz_npy
 *   ./fuzz_npy -max_len=4096 corpus_dir tests/fuzz/corpus/npy
 *
 * Beyond memory safety it checks the decoder's promises: a result code of
 * OK, ERR_BAD_INPUT or ERR_DECLINED with a message; on OK a payload inside
 * the input (every byte is read, so ASan sees any overrun); and a header
 * re-encoded from the descriptor, with the payload after it, decoding to the
 * same descriptor.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec_npy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int condition, const char *what)
{
    if (!condition) {
        fprintf(stderr, "fuzz_npy: broken promise: %s\n", what);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct array_desc desc, again;
    struct error err;
    struct buffer out;
    size_t offset = 0, count, bytes, again_offset, header_length;
    enum error_code rc;
    unsigned checksum = 0;

    error_clear(&err);
    rc = npy_decode(data, size, &desc, &offset, &err);
    if (rc != OK) {
        check(rc == ERR_BAD_INPUT || rc == ERR_DECLINED, "unexpected result code");
        check(err.code == rc && err.message[0] != '\0', "failure without a message");
        return 0;
    }
    check(desc.ndim >= 0 && desc.ndim <= ARRAY_MAX_DIMS, "ndim out of range");
    check(array_desc_count(&desc, &count, &bytes), "accepted an overflowing shape");
    check(offset <= size && bytes <= size - offset, "payload outside the input");
    for (size_t i = 0; i < bytes; i++)
        checksum += data[offset + i];
    (void)checksum;

    buffer_init(&out, (size_t)1 << 30);
    rc = npy_encode_header(&desc, &out, &err);
    check(rc == OK, "cannot re-encode an accepted descriptor");
    check(out.length % 64 == 0 && out.data[out.length - 1] == '\n', "header not padded");
    header_length = out.length;
    rc = buffer_append(&out, data + offset, bytes);
    check(rc == OK, "cannot append the payload");
    rc = npy_decode(out.data, out.length, &again, &again_offset, &err);
    check(rc == OK && again_offset == header_length, "re-encoded header does not decode");
    check(again.kind == desc.kind && again.itemsize == desc.itemsize &&
          again.big_endian == desc.big_endian && again.ndim == desc.ndim &&
          memcmp(again.shape, desc.shape, sizeof desc.shape[0] * (size_t)desc.ndim) == 0,
          "re-encoded header decodes differently");
    buffer_free(&out);
    return 0;
}
