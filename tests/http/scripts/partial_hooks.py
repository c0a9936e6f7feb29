"""model_fn and input_fn only: predict_fn and output_fn are the defaults.
input_fn reads whitespace-separated numbers from text/plain."""
import numpy


def model_fn(model_dir):
    return lambda x: x * 2


def input_fn(body, content_type):
    text = body.decode("utf-8") if isinstance(body, bytes) else body
    return numpy.array([float(word) for word in text.split()], dtype=numpy.float32)
