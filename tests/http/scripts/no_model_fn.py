"""Every request hook but no model_fn: the error must say model_fn is missing."""


def input_fn(body, content_type):
    return body


def predict_fn(data, model):
    return data


def output_fn(prediction, accept):
    return prediction
