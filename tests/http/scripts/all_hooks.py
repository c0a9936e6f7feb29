"""All four hooks.  Each request answers a JSON document describing what the
hooks saw: the body's Python type and bytes, content_type and accept as
passed, the model_dir given to model_fn, and the worker's pid.  output_fn
returns a str, so the response's Content-Type is the accept used."""
import json
import os


def model_fn(model_dir):
    return {"model_dir": model_dir, "model_dir_type": type(model_dir).__name__, "pid": os.getpid(),
            "requests": 0}


def input_fn(body, content_type):
    raw = body.encode("utf-8") if isinstance(body, str) else bytes(body)
    return {"body_type": type(body).__name__, "content_type": content_type, "body_hex": raw.hex(),
            "body_text": body if isinstance(body, str) else None}


def predict_fn(data, model):
    model["requests"] += 1
    data.update(model_dir=model["model_dir"], model_dir_type=model["model_dir_type"], pid=model["pid"],
                requests=model["requests"])
    return data


def output_fn(prediction, accept):
    prediction["accept"] = accept
    return json.dumps(prediction)
