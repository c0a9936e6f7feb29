#!/usr/bin/python3
"""Instruction counts of the worker's request path, per body type and size: a regression guard
that timing noise cannot move.

    bench/callgrind_guard.py [--binary build/src/hookhost] [--record] [--tolerance 0.03]

Starts one worker (`hookhost --worker 1 ...`, the process the master would exec) under
`valgrind --tool=callgrind --toggle-collect=hooks_invoke`, so only the instructions of
hooks_invoke count: default input_fn (the C decoder), predict_fn (the harness model, x @ W + b),
output_fn (the C encoder) and the Python calls between them.  Start-up, the channel reads and
writes and the master are left out.  The driver talks the IPC protocol (src/ipc.h) over a
socketpair on fd 3: it waits for READY, sends n requests of one body, checks each reply is a
200, and closes the channel.  Each (type, size) cell runs a worker twice, with n and with 2n
requests; Ir per request is the difference divided by n, so one-off work (lazy imports on the
first call, numpy's caches) cancels out and what remains is the steady per-request cost.

The bodies and the model are the shared load harness's (../shared/bench, or
$HOOKHOST_BENCH_HARNESS): gen_payloads.py's deterministic float32 arrays and model/inference.py.
PYTHONHASHSEED is fixed so CPython's own work repeats exactly.

--record writes the counts to bench/callgrind-baseline.tsv; otherwise the counts are compared
with that file and the exit status is 1 when a cell grew by more than --tolerance.
"""
import argparse
import os
import socket
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
BASELINE = os.path.join(HERE, "callgrind-baseline.tsv")
TYPES = {"npy": "application/x-npy", "json": "application/json", "csv": "text/csv"}
# Requests per cell: enough to average out the first call's warm-up, few enough that the large
# text bodies (a million values) finish in seconds under callgrind.
REQUESTS = {"tiny": 50, "small": 20, "medium": 5, "large": 2}

IPC_READY, IPC_LOAD_FAILED, IPC_REQUEST, IPC_RESPONSE, IPC_ERROR = 1, 2, 3, 4, 5


def frame(kind, status, fields):
    head = struct.pack("=IIII", kind, status, len(fields), 0)
    return head + b"".join(struct.pack("=Q", len(f)) for f in fields) + b"".join(fields)


def read_exact(sock, length):
    chunks = []
    while length > 0:
        chunk = sock.recv(min(length, 1 << 20))
        if not chunk:
            raise SystemExit("callgrind_guard: the worker closed its channel")
        chunks.append(chunk)
        length -= len(chunk)
    return b"".join(chunks)


def read_frame(sock):
    kind, status, count, _ = struct.unpack("=IIII", read_exact(sock, 16))
    lengths = struct.unpack("=%dQ" % count, read_exact(sock, 8 * count))
    return kind, status, [read_exact(sock, n) for n in lengths]


def measure(binary, harness, model_dir, body, content_type, requests, work):
    out_file = os.path.join(work, "callgrind.out")
    ours, theirs = socket.socketpair()
    env = dict(os.environ, PYTHONHASHSEED="0", HOOKHOST_PYTHON_DIR=os.path.join(TOP, "python"),
               OPENBLAS_NUM_THREADS="1")
    command = ["valgrind", "--tool=callgrind", "--toggle-collect=hooks_invoke",
               "--callgrind-out-file=" + out_file, binary, "--worker", "1",
               "--code-dir", os.path.join(harness, "model"), "--model-dir", model_dir,
               "--program", "inference.py", "--log-level", "WARNING"]

    def channel_on_fd3():
        os.dup2(theirs.fileno(), 3)

    # close_fds=False: Popen would close fd 3 after preexec_fn placed it; our other descriptors
    # are not inheritable (PEP 446) and close at exec anyway.
    worker = subprocess.Popen(command, env=env, close_fds=False, preexec_fn=channel_on_fd3,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    theirs.close()
    try:
        kind, _, fields = read_frame(ours)
        if kind != IPC_READY:
            raise SystemExit("callgrind_guard: the worker did not load: %r" % fields)
        request = frame(IPC_REQUEST, 0, [content_type.encode(), content_type.encode(), body])
        for _ in range(requests):
            ours.sendall(request)
            kind, status, fields = read_frame(ours)
            if kind != IPC_RESPONSE or status != 200:
                raise SystemExit("callgrind_guard: request failed (%d %d): %r" % (kind, status, fields[:2]))
    except SystemExit:
        ours.close()
        _, errors = worker.communicate(timeout=600)
        sys.stderr.write(errors.decode()[-3000:])
        raise
    ours.close()
    _, errors = worker.communicate(timeout=600)
    if worker.returncode != 0:
        raise SystemExit("callgrind_guard: worker exit %d:\n%s" % (worker.returncode, errors.decode()[-2000:]))
    with open(out_file) as counts:
        for line in counts:
            if line.startswith("totals:") or line.startswith("summary:"):
                return int(line.split()[1])
    raise SystemExit("callgrind_guard: no totals in " + out_file)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", default=os.environ.get("HOOKHOST_BIN", os.path.join(TOP, "build/src/hookhost")))
    parser.add_argument("--harness", default=os.environ.get("HOOKHOST_BENCH_HARNESS",
                                                            os.path.join(TOP, "..", "shared", "bench")))
    parser.add_argument("--sizes", default="tiny,small,medium,large")
    parser.add_argument("--types", default="npy,json,csv")
    parser.add_argument("--record", action="store_true", help="write bench/callgrind-baseline.tsv")
    parser.add_argument("--keep", metavar="DIR", help="keep each cell's callgrind.out.CELL in DIR (for callgrind_annotate)")
    parser.add_argument("--tolerance", type=float, default=0.03, help="allowed growth (default 0.03 = 3%%)")
    args = parser.parse_args()

    baseline = {}
    if os.path.exists(BASELINE):
        with open(BASELINE) as saved:
            for line in saved:
                if line.strip() and not line.startswith("#"):
                    cell, count = line.split("\t")[:2]
                    baseline[cell] = int(count)
    with tempfile.TemporaryDirectory() as work:
        model_dir = os.path.join(work, "model")
        payloads = os.path.join(work, "payloads")
        subprocess.run([sys.executable, os.path.join(args.harness, "model", "make_model.py"), model_dir],
                       check=True, stdout=subprocess.DEVNULL)
        subprocess.run([sys.executable, os.path.join(args.harness, "gen_payloads.py"), payloads],
                       check=True, stdout=subprocess.DEVNULL)
        results, worse = [], []
        print("| cell | Ir per request | baseline | change |")
        print("| --- | ---: | ---: | ---: |")
        for size in args.sizes.split(","):
            for kind in args.types.split(","):
                cell = "%s.%s" % (size, kind)
                with open(os.path.join(payloads, cell), "rb") as source:
                    body = source.read()
                # The marginal cost: runs of n and 2n requests, so that first-call work (lazy
                # imports, numpy's dispatch caches) cancels out.
                requests = REQUESTS[size]
                once = measure(args.binary, args.harness, model_dir, body, TYPES[kind], requests, work)
                if args.keep:
                    os.makedirs(args.keep, exist_ok=True)
                    os.replace(os.path.join(work, "callgrind.out"), os.path.join(args.keep, "callgrind.out." + cell))
                twice = measure(args.binary, args.harness, model_dir, body, TYPES[kind], 2 * requests, work)
                count = (twice - once) // requests
                results.append((cell, count))
                before = baseline.get(cell)
                change = "" if before is None else "%+.1f %%" % (100.0 * (count - before) / before)
                print("| %s | %s | %s | %s |" % (cell, format(count, ","), "" if before is None else
                                                 format(before, ","), change), flush=True)
                if before is not None and count > before * (1 + args.tolerance):
                    worse.append(cell)
    if args.record:
        with open(BASELINE, "w") as saved:
            saved.write("# cell\tIr per request through hooks_invoke; written by bench/callgrind_guard.py --record\n")
            for cell, count in results:
                saved.write("%s\t%d\n" % (cell, count))
        print("recorded " + BASELINE)
        return 0
    if worse:
        print("grew by more than %.0f %%: %s" % (100 * args.tolerance, ", ".join(worse)))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
