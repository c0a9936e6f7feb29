"""output_fn returns a different kind of object per request; the body names it:

  bytes, str, tuple, tuple_str, hookhost, flask, werkzeug_iter, widget, none
"""
class FakeFlaskResponse:
    """What flask.Response / sagemaker_containers' worker.Response look like to hookhost."""

    def __init__(self, data, status_code, headers, mimetype):
        self._data = data
        self.status_code = status_code
        self.headers = headers
        self.mimetype = mimetype

    def get_data(self):
        return self._data


class FakeWerkzeugIterResponse:
    """A Werkzeug-style response with no get_data(): the body is the iterable .response."""

    def __init__(self, chunks, status_code, headers):
        self.response = chunks
        self.status_code = status_code
        self.headers = headers


class Widget:
    """Something output_fn may not return."""


def model_fn(model_dir):
    return None


def input_fn(body, content_type):
    return (body.decode("utf-8") if isinstance(body, bytes) else body).strip()


def predict_fn(data, model):
    return data


def output_fn(prediction, accept):
    if prediction == "bytes":
        return b"raw bytes \x00\xff end"
    if prediction == "str":
        return "h\u00e9llo w\u00f6rld \u2713"
    if prediction == "tuple":
        return b"tuple body", "application/x-tuple"
    if prediction == "tuple_str":
        return "tuple str body \u00e9", "text/plain; charset=utf-8"
    if prediction == "hookhost":
        from hookhost import Response     # here, so the other commands work even if this import breaks
        return Response(b"hookhost body", status=201, content_type="application/x-hookhost",
                        headers={"X-Hookhost": "yes"})
    if prediction == "flask":
        return FakeFlaskResponse(b"flask body", 202, {"X-Flask": "1"}, "application/x-flask")
    if prediction == "flask_header_type":
        return FakeFlaskResponse(b"flask header type", 200,
                                 {"Content-Type": "application/x-from-header", "X-Flask": "2"}, None)
    if prediction == "werkzeug_iter":
        return FakeWerkzeugIterResponse([b"part one, ", "part two"], 203,
                                        [("Content-Type", "text/x-iter"), ("X-Iter", "3")])
    if prediction == "widget":
        return Widget()
    if prediction == "none":
        return None
    raise ValueError("unknown command %r" % prediction)
