/*
 * fuzz_ipc: libFuzzer target for the IPC frame prefix parser and the header
 * pair iterator, the two places where bytes from another process are trusted
 * least.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Isrc tests/fuzz/fuzz_ipc.c \
 *       src/ipc.c src/buffer.c src/error.c -ljansson -o fuzz_ipc
 *   ./fuzz_ipc tests/fuzz/corpus/ipc
 *
 * Promises checked: a verdict for any input; on OK a prefix inside the
 * input, lengths summing to total_length within the limit; a frame rebuilt
 * from the parsed lengths parses to the same prefix.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int condition, const char *what)
{
    if (!condition) {
        fprintf(stderr, "fuzz_ipc: broken promise: %s\n", what);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint64_t limit = 1 << 20;
    struct ipc_prefix prefix, again;
    struct error err;
    enum error_code rc = ipc_prefix_parse(data, size, limit, &prefix, &err);
    unsigned char rebuilt[IPC_PREFIX_MAX];
    const char *name, *value;
    size_t cursor = 0, pairs = 0;

    check(rc == OK || rc == ERR_DECLINED || rc == ERR_BAD_INPUT, "unexpected result code");
    if (rc == OK) {
        uint64_t sum = prefix.prefix_length;
        check(prefix.prefix_length <= size, "prefix longer than the input");
        check(prefix.field_count <= IPC_MAX_FIELDS, "too many fields");
        for (uint32_t i = 0; i < prefix.field_count; i++)
            sum += prefix.field_length[i];
        if (prefix.flags & IPC_FLAG_BODY_IN_FILE)
            sum -= prefix.field_length[prefix.field_count - 1];
        check(sum == prefix.total_length, "lengths do not add up");
        check(prefix.total_length <= limit, "frame over the limit accepted");
        check(ipc_prefix_write(rebuilt, prefix.kind, prefix.status, prefix.flags, prefix.field_length, prefix.field_count) ==
                  prefix.prefix_length, "rebuilt prefix length differs");
        check(ipc_prefix_parse(rebuilt, prefix.prefix_length, limit, &again, NULL) == OK &&
                  again.total_length == prefix.total_length && again.kind == prefix.kind,
              "rebuilt prefix parses differently");
    }
    while (ipc_headers_next((const char *)data, size, &cursor, &name, &value)) {
        check(cursor <= size, "header cursor past the end");
        check(strlen(name) < size && strlen(value) < size, "header strings unterminated");
        pairs++;
    }
    (void)pairs;
    return 0;
}
