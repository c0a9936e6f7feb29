"""transform_fn together with predict_fn: hookhost must refuse to start."""


def model_fn(model_dir):
    return "model"


def transform_fn(model, body, content_type, accept):
    return b"should never run"


def predict_fn(data, model):
    return data
