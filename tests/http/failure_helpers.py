"""Helpers for the failure, limit and load tests (tests/http and tests/load), around scripts/failures.py.

Every wait is bounded in time and in tries.
"""
import os
import threading
import time
from pathlib import Path

from conftest import POLL, wait_until


def plain(server, command, **kwargs):
    """POSTs `command` as text/plain to /invocations (the body scripts/failures.py reads)."""
    return server.invoke(command.encode(), content_type="text/plain", **kwargs)


class Background:
    """One text/plain request on a thread; join() returns the Reply (or raises what the request raised)."""

    def __init__(self, server, command, timeout=30):
        self.reply = None
        self.error = None
        self.started = time.monotonic()
        self.finished = None
        self.thread = threading.Thread(target=self._run, args=(server, command, timeout), daemon=True)
        self.thread.start()

    def _run(self, server, command, timeout):
        try:
            self.reply = plain(server, command, timeout=timeout)
        except Exception as error:        # reported by join()
            self.error = error
        self.finished = time.monotonic()

    @property
    def elapsed(self):
        return None if self.finished is None else self.finished - self.started

    def join(self, timeout=30):
        self.thread.join(timeout)
        assert not self.thread.is_alive(), "request still running after %.0f s" % timeout
        if self.error is not None:
            raise self.error
        return self.reply


def model_lines(server, name):
    try:
        return (Path(server.model_dir) / name).read_text().splitlines()
    except FileNotFoundError:
        return []


def loads(server):
    """Pids of every worker that finished model_fn, in order."""
    return [int(line) for line in model_lines(server, "loads.txt") if line.strip()]


def wait_loads(server, count, timeout=20):
    return wait_until(lambda: len(loads(server)) >= count and loads(server), timeout,
                      "%d model loads (have %d)" % (count, len(loads(server))))


def started(server):
    """(command, token, pid) for every request that reached predict_fn and announced itself."""
    entries = []
    for line in model_lines(server, "started.txt"):
        parts = line.split()
        if len(parts) == 3:
            entries.append((parts[0], parts[1], int(parts[2])))
    return entries


def wait_started(server, command, token, timeout=10):
    """Waits until `command ... token` is inside predict_fn; returns the pid serving it."""
    def find():
        for entry in started(server):
            if entry[0] == command and entry[1] == token:
                return entry[2]
        return None
    return wait_until(find, timeout, "%s:%s to reach predict_fn" % (command, token))


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def rss_kib(pid):
    """Resident set size of pid in KiB (VmRSS), or None when it is gone."""
    try:
        with open("/proc/%d/status" % pid) as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def open_fds(pid):
    try:
        return len(os.listdir("/proc/%d/fd" % pid))
    except OSError:
        return None


class RssSampler:
    """Samples the RSS of pid every `interval` seconds on a thread until stop(); .samples in KiB."""

    def __init__(self, pid, interval=0.05):
        self.pid = pid
        self.interval = interval
        self.samples = []
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self._stop.is_set():
            value = rss_kib(self.pid)
            if value is not None:
                self.samples.append(value)
            self._stop.wait(self.interval)

    def stop(self):
        self._stop.set()
        self.thread.join(5)
        return self.samples


def count_log(server, pattern_text, since=0):
    import re
    return len(re.findall(pattern_text, server.log()[since:], re.M))


__all__ = ["plain", "Background", "model_lines", "loads", "wait_loads", "started", "wait_started", "alive",
           "rss_kib", "open_fds", "RssSampler", "count_log", "POLL"]
