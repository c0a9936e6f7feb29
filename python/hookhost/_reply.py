"""What the worker's C hook chain (src/hooks.c) asks Python to do with a reply.

Kept apart from hookhost._worker, which takes over sys.stdout when imported,
so that hookhost.testing runs the very same code outside the server.
"""


def _text(value):
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return str(value)


def response_parts(response, accept):
    """Splits a response object returned by output_fn/transform_fn.

    Accepts hookhost.Response and Flask/Werkzeug-style objects: an integer
    ``status_code`` (or ``status``), optional ``headers`` (a mapping, a
    Werkzeug Headers, or (name, value) pairs) and a body from ``get_data()``,
    ``body``, ``data`` or an iterable ``response``.  Returns (status,
    content_type, [(name, value), ...], body_bytes); raises TypeError for
    anything else.  The content type is the Content-Type header, else the
    object's ``content_type``/``mimetype``, else the accept used.
    """
    status = getattr(response, "status_code", None)
    if not isinstance(status, int) or isinstance(status, bool):
        status = getattr(response, "status", None)
        if isinstance(status, str) and status[:3].isdigit():
            status = int(status[:3])
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        raise TypeError("output_fn returned %s, which is not bytes, str, a (body, content_type) tuple "
                        "or a response object with an integer status_code" % type(response).__name__)
    raw_headers = getattr(response, "headers", None) or ()
    pairs = raw_headers.items() if hasattr(raw_headers, "items") else raw_headers
    headers = []
    content_type = None
    for name, value in pairs:
        name, value = _text(name), _text(value)
        if name.lower() == "content-type":
            content_type = value
        else:
            headers.append((name, value))
    if content_type is None:
        content_type = getattr(response, "content_type", None) or getattr(response, "mimetype", None) or accept
    if callable(getattr(response, "get_data", None)):
        body = response.get_data()
    elif getattr(response, "body", None) is not None:
        body = response.body
    elif getattr(response, "data", None) is not None:
        body = response.data
    elif getattr(response, "response", None) is not None:
        chunks = response.response
        body = b"".join(chunk.encode("utf-8") if isinstance(chunk, str) else bytes(chunk) for chunk in chunks)
    else:
        body = b""
    if isinstance(body, str):
        body = body.encode("utf-8")
    elif not isinstance(body, bytes):
        body = bytes(body)
    return status, _text(content_type), headers, body


def execution_parameters_body(value):
    """execution_parameters_fn()'s result as the bytes of /execution-parameters."""
    import json
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    return json.dumps(value).encode("utf-8")
