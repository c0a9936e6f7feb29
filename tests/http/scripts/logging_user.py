"""Writes through print() and logging at import, in model_fn and per request."""
import logging
import os
import sys

print("import-time print from user script")


def model_fn(model_dir):
    print("model_fn print pid=%d" % os.getpid())
    return None


def transform_fn(model, body, content_type, accept):
    token = body.decode() if isinstance(body, bytes) else body
    print("request print %s" % token)
    sys.stderr.write("request stderr %s\n" % token)
    logging.getLogger("user").warning("request logging %s", token)
    return "logged %s" % token, "text/plain"
