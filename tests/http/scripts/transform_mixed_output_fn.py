"""transform_fn together with output_fn: hookhost must refuse to start."""


def model_fn(model_dir):
    return "model"


def transform_fn(model, body, content_type, accept):
    return b"should never run"


def output_fn(prediction, accept):
    return prediction
