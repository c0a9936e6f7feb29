"""A slow predict_fn.  Body commands:

  sleep:SECONDS:TOKEN  prints "slow-start TOKEN" (to the log, tagged with the worker), sleeps, answers
                       "slept TOKEN <pid>"
  exit:CODE            the worker dies with os._exit(CODE) in the middle of the request
  sleep_exit:SECONDS:TOKEN  prints "slow-start TOKEN", sleeps, then dies with os._exit(7)
  ok                   answers "ok <pid>" at once
"""
import os
import time


def model_fn(model_dir):
    return os.getpid()


def input_fn(body, content_type):
    return body.decode("utf-8") if isinstance(body, bytes) else body


def predict_fn(data, model):
    if data.startswith("sleep:"):
        _, seconds, token = data.split(":", 2)
        print("slow-start %s" % token)
        time.sleep(float(seconds))
        print("slow-end %s" % token)
        return "slept %s %d" % (token, model)
    if data.startswith("sleep_exit:"):
        _, seconds, token = data.split(":", 2)
        print("slow-start %s" % token)
        time.sleep(float(seconds))
        os._exit(7)
    if data.startswith("exit:"):
        os._exit(int(data.split(":")[1]))
    return "ok %d" % model


def output_fn(prediction, accept):
    return prediction, "text/plain"
