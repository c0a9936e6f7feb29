#!/bin/sh
# Black-box tests: the real binary on 127.0.0.1 with real user scripts, run by `make check`.
set -eu
cd "${HOOKHOST_SRCDIR:-$(dirname "$0")/..}"
exec "${PYTHON:-/usr/bin/python3}" -m pytest -q -p no:cacheprovider tests/http
