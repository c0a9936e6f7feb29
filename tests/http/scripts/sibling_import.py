"""Imports a module that sits beside it in the code dir (and one in a package)."""
import sibling_helper
from helpers_pkg.inner import INNER_VALUE


def model_fn(model_dir):
    return sibling_helper.make_model()


def input_fn(body, content_type):
    return body


def predict_fn(data, model):
    return model(data)


def output_fn(prediction, accept):
    return "%s|%s|%s" % (prediction, sibling_helper.__file__, INNER_VALUE), "text/plain"
