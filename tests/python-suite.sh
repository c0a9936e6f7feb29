#!/bin/sh
# The Python package's tests (python/tests), run by `make check`.
set -eu
cd "${HOOKHOST_SRCDIR:-$(dirname "$0")/..}"
exec "${PYTHON:-/usr/bin/python3}" -m pytest -q -p no:cacheprovider python/tests
