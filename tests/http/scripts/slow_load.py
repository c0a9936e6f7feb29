"""model_fn sleeps <model_dir>/delay.txt seconds first, so /ping answers 503 for a while."""
import os
import time


def model_fn(model_dir):
    with open(os.path.join(model_dir, "delay.txt")) as delay:
        time.sleep(float(delay.read()))
    return os.getpid()


def transform_fn(model, body, content_type, accept):
    return "loaded %d" % model
