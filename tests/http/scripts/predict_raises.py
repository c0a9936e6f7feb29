"""Hooks that fail on command.  The body is a command word:

  ok                 -> 200 "ok <pid>"
  boom               -> predict_fn raises ValueError("boom happened in predict_fn")
  status_code:N      -> predict_fn raises an exception whose status_code is N (an int)
  status:N           -> the same with a `status` attribute
  status_code_str:N  -> status_code is the string "N" (not an int: plain 500)
  input_status:N     -> input_fn itself raises with status_code N
"""
import os


class TeapotError(Exception):
    """An exception carrying an HTTP status, as user scripts write them."""

    def __init__(self, message, status_code=None, status=None):
        super().__init__(message)
        if status_code is not None:
            self.status_code = status_code
        if status is not None:
            self.status = status


def model_fn(model_dir):
    return {"pid": os.getpid()}


def input_fn(body, content_type):
    command = body.decode("utf-8") if isinstance(body, bytes) else body
    command = command.strip()
    if command.startswith("input_status:"):
        raise TeapotError("input_fn refuses this body", status_code=int(command.split(":")[1]))
    return command


def predict_fn(data, model):
    if data == "boom":
        raise ValueError("boom happened in predict_fn")
    if data.startswith("status_code:"):
        raise TeapotError("predict_fn says %s" % data, status_code=int(data.split(":")[1]))
    if data.startswith("status:"):
        raise TeapotError("predict_fn says %s" % data, status=int(data.split(":")[1]))
    if data.startswith("status_code_str:"):
        raise TeapotError("predict_fn says %s" % data, status_code=data.split(":")[1])
    return "ok %d" % model["pid"]


def output_fn(prediction, accept):
    return prediction.encode("utf-8"), "text/plain"
