"""execution_parameters_fn overrides /execution-parameters."""


def model_fn(model_dir):
    return None


def execution_parameters_fn():
    return {"MaxConcurrentTransforms": 7, "BatchStrategy": "SINGLE_RECORD", "MaxPayloadInMB": 6,
            "Custom": "from execution_parameters_fn"}


def transform_fn(model, body, content_type, accept):
    return b"unused"
