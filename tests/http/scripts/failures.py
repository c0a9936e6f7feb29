"""Every way a request can hurt its worker, chosen by the (text/plain) body.

model_fn appends "<pid>\\n" to <model_dir>/loads.txt (one O_APPEND write), so
tests count loads; it first sleeps <model_dir>/load_delay.txt seconds when
that file exists, and fails while <model_dir>/fail_load.txt exists.
Requests that run a while first append "<command> <token> <pid>\\n" to
<model_dir>/started.txt, so a test knows the request is inside predict_fn and
which process has it.

  ok[:ID]                 "ok ID pid" at once
  id:ID                   appends "begin ID pid" to started.txt, sleeps 2 ms, answers "done ID pid"
  sleep:SECONDS:TOKEN     sleeps (time.sleep), answers "slept TOKEN pid"
  spin:SECONDS:TOKEN      pure-Python busy loop
  chang:TOKEN             C-level hang: every signal blocked, then libc pause() (only SIGKILL ends it)
  csleep:SECONDS:TOKEN    C-level sleep: libc sleep() with every signal blocked
  segv                    reads address 8 through ctypes (SIGSEGV)
  exit:CODE               os._exit(CODE)
  memory                  asks the allocator for 1 PiB: a real MemoryError
  big:BYTES               answers BYTES bytes of "x"
"""
import ctypes
import os
import signal
import time

MODEL_DIR = None


def _append(name, line):
    fd = os.open(os.path.join(MODEL_DIR, name), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode())
    finally:
        os.close(fd)


def model_fn(model_dir):
    global MODEL_DIR
    MODEL_DIR = model_dir
    if os.path.exists(os.path.join(model_dir, "fail_load.txt")):
        raise RuntimeError("fail_load.txt says this load fails")
    delay_file = os.path.join(model_dir, "load_delay.txt")
    if os.path.exists(delay_file):
        with open(delay_file) as delay:
            time.sleep(float(delay.read()))
    _append("loads.txt", "%d\n" % os.getpid())
    return os.getpid()


def input_fn(body, content_type):
    return body.decode("utf-8") if isinstance(body, bytes) else body


def _started(command, token):
    _append("started.txt", "%s %s %d\n" % (command, token, os.getpid()))


def _block_all_signals():
    signal.pthread_sigmask(signal.SIG_BLOCK, signal.valid_signals())


def predict_fn(data, model):
    command, _, rest = data.partition(":")
    if command == "ok":
        return "ok %s %d" % (rest, model)
    if command == "id":
        _append("started.txt", "begin %s %d\n" % (rest, model))
        time.sleep(0.002)
        return "done %s %d" % (rest, model)
    if command in ("sleep", "spin", "csleep"):
        seconds, _, token = rest.partition(":")
        _started(command, token)
        if command == "sleep":
            time.sleep(float(seconds))
        elif command == "spin":
            end = time.monotonic() + float(seconds)
            count = 0
            while time.monotonic() < end:
                count += 1
        else:
            _block_all_signals()
            ctypes.CDLL(None).sleep(int(float(seconds)))
        return "slept %s %d" % (token, model)
    if command == "chang":
        _started(command, rest)
        _block_all_signals()
        ctypes.CDLL(None).pause()
        return "pause returned %d" % model
    if command == "segv":
        _started(command, "-")
        return ctypes.cast(8, ctypes.POINTER(ctypes.c_int))[0]
    if command == "exit":
        _started(command, "-")
        os._exit(int(rest))
    if command == "memory":
        return bytearray(1 << 50)
    if command == "big":
        return "x" * int(rest)
    raise ValueError("unknown command %r" % data)


def output_fn(prediction, accept):
    return prediction, "text/plain"
