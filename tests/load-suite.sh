#!/bin/sh
# Load and endurance tests (worker kills, timeouts, backoff, slow clients, 1 GB uploads, SIGTERM under
# load, recycling, soak), run by `make check`; about a minute and a half.  LOAD_SOAK_REQUESTS sizes the
# soak (default 20000; the full soak of issue 4 is LOAD_SOAK_REQUESTS=100000).  Extra arguments go to
# pytest, e.g. `tests/load-suite.sh -s -k soak` to see the figures of one test.
set -eu
cd "${HOOKHOST_SRCDIR:-$(dirname "$0")/..}"
exec "${PYTHON:-/usr/bin/python3}" -m pytest -q -p no:cacheprovider tests/load "$@"
