#!/bin/sh
# Memory checks run by `make check` (skipped when valgrind is missing):
#  1. the codec Check suites under valgrind (no fork, so the checks run in the process valgrind sees);
#  2. the master under valgrind while it serves a short mixed load with errors, client hang-ups and
#     smuggling attempts, then drains on SIGTERM: no errors, no definite or indirect leaks.
# Workers run natively (valgrind does not follow the exec); CPython's own allocator is not ours to check.
set -eu
command -v valgrind >/dev/null || { echo "valgrind not installed: skipped"; exit 77; }
src="${HOOKHOST_SRCDIR:-$(dirname "$0")/..}"
python="${PYTHON:-/usr/bin/python3}"
vg="valgrind -q --error-exitcode=9 --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect"

work=$(mktemp -d)
master=
trap 'if [ -n "$master" ]; then kill "$master" 2>/dev/null || true; fi; rm -rf "$work"' EXIT INT TERM

for suite in test_npy test_json test_csv test_number test_ipc test_http_parser test_buffer test_negotiate; do
    printf '%s under valgrind: ' "$suite"
    CK_FORK=no $vg "./tests/unit/$suite" >/dev/null 2>"$work/$suite.log" || { echo FAILED; cat "$work/$suite.log"; exit 1; }
    echo ok
done

port=$("$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
$vg --log-file="$work/valgrind.log" "${HOOKHOST_BIN:-./src/hookhost}" serve --bind "127.0.0.1:$port" --workers 2 \
    --code-dir "$src/examples/mlp/code" --model-dir "$src/examples/mlp/model" --program inference.py \
    --log-level WARNING 2>"$work/server.log" &
master=$!
"$python" - "$port" <<'PY'
import http.client, socket, sys, time
port = int(sys.argv[1])
deadline = time.time() + 60
while True:
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=5); c.request("GET", "/ping")
        if c.getresponse().status == 200: break
    except OSError: pass
    if time.time() > deadline: sys.exit("the server under valgrind never became ready")
    time.sleep(0.2)
row = ",".join(["0.5"] * 10)
cases = [("POST", "/invocations", "[[%s]]" % row, "application/json", "application/json", 200),
         ("POST", "/invocations", row + "\n", "text/csv", "text/csv", 200),
         ("POST", "/invocations", "[[1,2],[3]]", "application/json", "application/json", 400),
         ("POST", "/invocations", "x", "text/plain", "application/json", 415),
         ("POST", "/invocations", "[[%s]]" % row, "application/json", "image/png", 406),
         ("GET", "/execution-parameters", None, None, None, 200),
         ("GET", "/nowhere", None, None, None, 404),
         ("DELETE", "/ping", None, None, None, 405)]
c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
for round in range(25):
    for method, path, body, ctype, accept, want in cases:
        headers = {k: v for k, v in (("Content-Type", ctype), ("Accept", accept)) if v}
        c.request(method, path, body=body, headers=headers)
        r = c.getresponse(); r.read()
        assert r.status == want, (method, path, r.status, want)
for raw in (b"POST /invocations HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
            b"POST /invocations HTTP/1.1\r\nContent-Length: 50\r\nContent-Type: application/json\r\n\r\n[1,",
            b"GARBAGE\r\n\r\n"):
    s = socket.create_connection(("127.0.0.1", port)); s.sendall(raw); s.close()
print("served %d requests under valgrind" % (25 * len(cases)))
PY
kill -TERM "$master"
status=0
wait "$master" || status=$?
if [ "$status" -ne 0 ] || grep -q '==' "$work/valgrind.log"; then
    echo "master under valgrind: exit $status"; cat "$work/valgrind.log" "$work/server.log"; exit 1
fi
echo "master under valgrind: clean"
