#!/bin/sh
# hookhost set-up on a fresh Debian 12 machine, as root.
#
#   sh tools/setup.sh serve   install dependencies, build, serve examples/mlp on port 8080
#   sh tools/setup.sh check   install dependencies, build, run every test (what CI runs)
set -eu
cd "$(dirname "$0")/.."
what="${1:-check}"

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends \
        build-essential autoconf automake libtool pkg-config \
        libevent-dev libjansson-dev check \
        python3 python3-dev python3-numpy python3-pytest python3-requests python3-pip \
        clang libclang-rt-14-dev valgrind mandoc ca-certificates curl locales \
        shellcheck python3-yaml python3-pil libopenblas0-serial
    # The examples/pytorch test (tests/http/test_examples.py skips it without torch): Debian's
    # CPU PyTorch 1.13, about 140 MB to fetch and 600 MB installed; 34 s on the development VM.
    apt-get install -y -q --no-install-recommends python3-torch
    # A comma-decimal locale, so the tests prove number parsing and printing ignore it.
    if ! locale -a 2>/dev/null | grep -qi '^de_DE.utf8$'; then
        sed -i 's/^# *de_DE.UTF-8 UTF-8/de_DE.UTF-8 UTF-8/' /etc/locale.gen
        locale-gen >/dev/null
    fi
fi

autoreconf -fi
mkdir -p build
cd build
[ -f Makefile ] || ../configure PYTHON="${PYTHON:-/usr/bin/python3}"
make -j"$(nproc)"

case "$what" in
check)
    make -j"$(nproc)" check || { cat test-suite.log 2>/dev/null | tail -300; exit 1; }
    ;;
serve)
    echo "serving examples/mlp on http://0.0.0.0:8080 (Ctrl-C to stop); try:"
    echo "  curl -s localhost:8080/invocations -H 'Content-Type: application/json' -d '[[0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]]'"
    HOOKHOST_PYTHON_DIR="$PWD/../python" exec ./src/hookhost serve \
        --code-dir ../examples/mlp/code --model-dir ../examples/mlp/model --program inference.py
    ;;
*)
    echo "usage: sh tools/setup.sh serve|check" >&2
    exit 2
    ;;
esac
