"""model_fn + transform_fn only: transform_fn returns a (body, content_type) tuple."""
import json
import os


def model_fn(model_dir):
    return {"model_dir": model_dir, "pid": os.getpid()}


def transform_fn(model, body, content_type, accept):
    raw = body.encode("utf-8") if isinstance(body, str) else bytes(body)
    answer = {"hook": "transform_fn", "model_dir": model["model_dir"], "body_type": type(body).__name__,
              "body_hex": raw.hex(), "content_type": content_type, "accept": accept}
    return json.dumps(answer).encode("utf-8"), "application/x-transformed"
