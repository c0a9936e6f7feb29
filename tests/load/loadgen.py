"""A small closed-loop load generator: N threads, each on its own keep-alive connection, sending requests
numbered 0..total-1 in order of taking.  Bounded: every request has a timeout, the run has a deadline."""
import http.client
import threading
import time


class Result:
    __slots__ = ("index", "status", "body", "headers", "latency", "error", "finished")

    def __init__(self, index):
        self.index = index
        self.status = None
        self.body = b""
        self.headers = {}
        self.latency = None
        self.error = None
        self.finished = None

    @property
    def ok(self):
        return self.status == 200

    def __repr__(self):
        return "<Result %d %s %r %r>" % (self.index, self.status, self.body[:200], self.error)


def percentile(values, fraction):
    ordered = sorted(values)
    if not ordered:
        return None
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


class LoadRun:
    """run() sends `total` requests at `concurrency`; request(i) -> (body bytes, headers dict).
    progress(completed_count) is called (from client threads, serialised) after each answer."""

    def __init__(self, port, total, concurrency, request, progress=None, deadline=120.0, timeout=30.0,
                 path="/invocations"):
        self.port = port
        self.total = total
        self.concurrency = concurrency
        self.request = request
        self.progress = progress
        self.deadline = deadline
        self.timeout = timeout
        self.path = path
        self.results = [Result(i) for i in range(total)]
        self.completed = 0
        self._next = 0
        self._lock = threading.Lock()
        self.started = None
        self.elapsed = None

    def _take(self):
        with self._lock:
            if self._next >= self.total or time.monotonic() > self.stop_at:
                return None
            index = self._next
            self._next += 1
            return index

    def _connect(self):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)

    def _client(self):
        conn = self._connect()
        try:
            while True:
                index = self._take()
                if index is None:
                    return
                result = self.results[index]
                body, headers = self.request(index)
                begin = time.monotonic()
                try:
                    conn.request("POST", self.path, body=body, headers=headers)
                    response = conn.getresponse()
                    result.body = response.read()
                    result.status = response.status
                    result.headers = {name.lower(): value for name, value in response.getheaders()}
                    if response.will_close:
                        conn.close()
                        conn = self._connect()
                except Exception as error:       # recorded; the test decides
                    result.error = repr(error)
                    conn.close()
                    conn = self._connect()
                result.finished = time.monotonic()
                result.latency = result.finished - begin
                with self._lock:
                    self.completed += 1
                    completed = self.completed
                    if self.progress is not None:
                        self.progress(completed)
        finally:
            conn.close()

    def run(self):
        self.started = time.monotonic()
        self.stop_at = self.started + self.deadline
        threads = [threading.Thread(target=self._client, daemon=True) for _ in range(self.concurrency)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(max(1.0, self.stop_at - time.monotonic() + self.timeout + 5))
        self.elapsed = time.monotonic() - self.started
        assert not any(thread.is_alive() for thread in threads), "load clients still running after the deadline"
        return self.results

    @property
    def answered(self):
        return [result for result in self.results if result.finished is not None]

    def figures(self):
        latencies = [result.latency for result in self.answered]
        return {
            "requests": len(latencies),
            "seconds": "%.2f" % self.elapsed,
            "rps": "%.0f" % (len(latencies) / self.elapsed if self.elapsed else 0),
            "p50_ms": "%.1f" % (1000 * percentile(latencies, 0.50)) if latencies else "-",
            "p99_ms": "%.1f" % (1000 * percentile(latencies, 0.99)) if latencies else "-",
            "max_ms": "%.1f" % (1000 * max(latencies)) if latencies else "-",
        }
