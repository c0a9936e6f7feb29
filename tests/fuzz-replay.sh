#!/bin/sh
# Replays every committed fuzz corpus through its target under ASan + UBSan (built by make check).
set -eu
src="${HOOKHOST_SRCDIR:-$(dirname "$0")/..}"
status=0
for target in number npy json csv http_parser ipc; do
    corpus="$src/tests/fuzz/corpus/$target"
    [ "$target" = http_parser ] && corpus="$src/tests/fuzz/corpus/http"
    printf '%s: ' "$target"
    ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
        "./tests/fuzz/replay_$target" "$corpus" || status=1
done
exit $status
