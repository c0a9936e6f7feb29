"""Unchanged SageMaker-style scripts served by the real binary, through hookhost's
sagemaker_containers / sagemaker_inference stand-ins (python/hookhost/_compat),
and the rule that puts those last on the worker's sys.path.

The scripts follow the shape of the SageMaker framework examples (PyTorch and
Chainer MNIST-style serving, the inference toolkit's handler pattern); the
model is a small numpy network saved in the model directory.  Each request is
also run through hookhost.testing.Harness, which must answer the same.
"""
import io
import json
import os
import sys
from pathlib import Path

import numpy
import pytest

from conftest import REPO, assert_error_reply, python_dir

# The harness must run the server's own C codecs (hookhost._codecs) to answer as it does: the build
# tree's, beside the binary under test, unless HOOKHOST_EXTENSION_DIR (set by make check) says otherwise.
os.environ.setdefault("HOOKHOST_EXTENSION_DIR", str(
    Path(os.environ.get("HOOKHOST_BIN") or REPO / "build" / "src" / "hookhost").resolve().parent.parent
    / "python" / "hookhost"))
sys.path.insert(0, python_dir())
from hookhost import _fastpath  # noqa: E402
from hookhost.testing import Harness  # noqa: E402

PYTORCH_STYLE = '''
"""Serving half of a PyTorch-style MNIST script, numpy standing in for torch."""
import json
import logging
import os

import numpy as np
from sagemaker_containers.beta.framework import content_types, encoders, env, errors, worker

logger = logging.getLogger(__name__)


class Net(object):
    def __init__(self, weights):
        self.w1, self.b1, self.w2, self.b2 = (weights[k] for k in ("w1", "b1", "w2", "b2"))

    def __call__(self, x):
        hidden = np.maximum(x @ self.w1 + self.b1, 0)
        return hidden @ self.w2 + self.b2


def model_fn(model_dir):
    logger.info("model_fn: loading from %s (serving env model dir %s)", model_dir, env.ServingEnv().model_dir)
    with open(os.path.join(model_dir, "model.npz"), "rb") as f:
        return Net(np.load(f))


def input_fn(input_data, content_type):
    np_array = encoders.decode(input_data, content_type)
    return np_array.astype(np.float32) if content_type in content_types.UTF8_TYPES else np_array


def predict_fn(data, model):
    return model(data)


def output_fn(prediction, accept):
    if accept not in encoders.SUPPORTED_CONTENT_TYPES:
        raise errors.UnsupportedFormatError(accept)
    return worker.Response(encoders.encode(prediction, accept), accept, mimetype=accept)
'''

CHAINER_STYLE = '''
"""Chainer-style: only model_fn and output_fn, the legacy worker.Response(body, accept) call."""
import os

import numpy as np
from sagemaker_containers.beta.framework import encoders, worker


def model_fn(model_dir):
    weights = np.load(os.path.join(model_dir, "model.npz"))
    return lambda x: np.maximum(np.asarray(x, dtype=np.float32) @ weights["w1"] + weights["b1"], 0)


def output_fn(prediction, accept):
    return worker.Response(encoders.encode(prediction.argmax(axis=-1), accept), accept)
'''

TOOLKIT_STYLE = '''
"""sagemaker_inference style: a handler subclass supplies the hooks."""
import os

import numpy as np
from sagemaker_inference import content_types, decoder, default_inference_handler, encoder, errors, utils


class Handler(default_inference_handler.DefaultInferenceHandler):
    def default_model_fn(self, model_dir):
        return dict(np.load(os.path.join(model_dir, "model.npz")))

    def default_predict_fn(self, data, model):
        data = np.asarray(data, dtype=np.float32)
        if data.ndim != 2 or data.shape[1] != model["w1"].shape[0]:
            raise errors.GenericInferenceToolkitError(422, "expected rows of %d features, got shape %s"
                                                      % (model["w1"].shape[0], data.shape))
        return data @ model["w1"] + model["b1"]


_handler = Handler()


def model_fn(model_dir):
    return _handler.default_model_fn(model_dir)


def input_fn(input_data, content_type):
    return _handler.default_input_fn(input_data, content_type)


def predict_fn(data, model):
    return _handler.default_predict_fn(data, model)


def output_fn(prediction, accept):
    return _handler.default_output_fn(prediction, accept)
'''

PATH_PROBE = '''
import sys

import sagemaker_containers


def model_fn(model_dir):
    return None


def transform_fn(model, body, content_type, accept):
    return getattr(sagemaker_containers, "WHO", "compat"), "text/plain"


def execution_parameters_fn():
    return {"path": sys.path, "package": sagemaker_containers.__file__}
'''


def weights():
    rng = numpy.random.default_rng(11)
    return {"w1": rng.standard_normal((4, 5)).astype(numpy.float32), "b1": rng.standard_normal(5).astype(numpy.float32),
            "w2": rng.standard_normal((5, 3)).astype(numpy.float32), "b2": rng.standard_normal(3).astype(numpy.float32)}


def npz():
    buffer = io.BytesIO()
    numpy.savez(buffer, **weights())
    return buffer.getvalue()


def npy(array):
    buffer = io.BytesIO()
    numpy.save(buffer, array)
    return buffer.getvalue()


def forward(x):
    w = weights()
    hidden = numpy.maximum(numpy.asarray(x, dtype=numpy.float32) @ w["w1"] + w["b1"], 0)
    return hidden @ w["w2"] + w["b2"]


ROWS = [[0.1, 0.2, 0.3, 0.4], [1.0, -1.0, 0.5, 2.0]]


@pytest.fixture(scope="module")
def served(module_server_factory):
    """name -> (server, harness) for the three scripts."""
    if _fastpath._codecs is None:
        pytest.fail("hookhost._codecs (the server's C codecs for Python) is not built or not found: build the tree "
                    "and set HOOKHOST_EXTENSION_DIR to <build>/python/hookhost", pytrace=False)
    started = {}

    def get(name):
        if name not in started:
            script = {"pytorch": PYTORCH_STYLE, "chainer": CHAINER_STYLE, "toolkit": TOOLKIT_STYLE}[name]
            server = module_server_factory(script=script, model_files={"model.npz": npz()})
            harness = Harness(server.code_dir / "inference.py", str(server.model_dir))
            started[name] = (server, harness)
        return started[name]

    yield get
    for _, harness in started.values():
        harness.close()


def both(pair, body, content_type, accept):
    """The server's reply, after checking the harness gives the same one."""
    server, harness = pair
    reply = server.invoke(body, content_type=content_type, accept=accept)
    result = harness.invoke(body, content_type=content_type, accept=accept)
    assert (result.status, result.content_type, result.body) == (reply.status, reply.content_type, reply.body), \
        (reply, result)
    return reply


def test_pytorch_style_json(served):
    reply = both(served("pytorch"), json.dumps(ROWS), "application/json", "application/json")
    assert reply.status == 200, reply
    assert reply.content_type == "application/json"
    assert numpy.allclose(reply.json(), forward(ROWS), rtol=1e-5)


def test_pytorch_style_csv_in_npy_out(served):
    body = "\n".join(",".join(str(v) for v in row) for row in ROWS)
    reply = both(served("pytorch"), body, "text/csv", "application/x-npy")
    assert reply.status == 200 and reply.content_type == "application/x-npy"
    result = numpy.load(io.BytesIO(reply.body))
    assert result.shape == (2, 3) and numpy.allclose(result, forward(ROWS), rtol=1e-5)


def test_pytorch_style_npy_in_csv_out(served):
    reply = both(served("pytorch"), npy(numpy.array(ROWS, dtype=numpy.float32)), "application/x-npy", "text/csv")
    assert reply.status == 200 and reply.content_type == "text/csv"
    values = numpy.array([[float(v) for v in line.split(",")] for line in reply.text.splitlines()])
    assert numpy.allclose(values, forward(ROWS), rtol=1e-5)


def test_pytorch_style_unsupported_accept_is_406(served):
    body = assert_error_reply(both(served("pytorch"), json.dumps(ROWS), "application/json", "text/html"), 406,
                              error="UnsupportedFormatError")
    assert "text/html is not supported" in body["error-message"]


def test_pytorch_style_unsupported_content_type_is_415(served):
    assert_error_reply(both(served("pytorch"), b"\x89PNG", "image/png", "application/json"), 415,
                       error="UnsupportedFormatError")


def test_pytorch_style_malformed_json_is_400(served):
    assert_error_reply(both(served("pytorch"), b"[[0.1, 0.2", "application/json", "application/json"), 400,
                       error="ClientError", message_contains="not valid JSON")


def test_chainer_style_default_hooks_and_legacy_response(served):
    reply = both(served("chainer"), json.dumps(ROWS), "application/json", "application/json")
    assert reply.status == 200 and reply.content_type == "application/json"
    w = weights()
    expected = numpy.maximum(numpy.array(ROWS, dtype=numpy.float32) @ w["w1"] + w["b1"], 0).argmax(axis=-1)
    assert reply.json() == expected.tolist()


def test_chainer_style_default_accept(served):
    reply = both(served("chainer"), "0.1,0.2,0.3,0.4\n", "text/csv", None)
    assert reply.status == 200 and reply.content_type == "application/json"


def test_toolkit_style_handler(served):
    reply = both(served("toolkit"), json.dumps(ROWS), "application/json", "text/html, text/csv")
    assert reply.status == 200, reply
    assert reply.content_type == "text/csv"
    w = weights()
    expected = numpy.array(ROWS, dtype=numpy.float32) @ w["w1"] + w["b1"]
    values = numpy.array([[float(v) for v in line.split(",")] for line in reply.text.splitlines()])
    assert numpy.allclose(values, expected, rtol=1e-5)


def test_toolkit_style_status_from_toolkit_error(served):
    body = assert_error_reply(both(served("toolkit"), b"[1, 2, 3]", "application/json", "application/json"), 422,
                              error="GenericInferenceToolkitError")
    assert body["error-message"].startswith("expected rows of 4 features")


def test_toolkit_style_no_supported_accept(served):
    assert_error_reply(both(served("toolkit"), json.dumps(ROWS), "application/json", "image/png"), 406,
                       error="UnsupportedFormatError")


# ----------------------------------------------------------------------------- the sys.path rule

def test_compat_dir_is_last_on_the_worker_path(server_factory):
    server = server_factory(script=PATH_PROBE)
    reply = server.invoke(b"", content_type="text/plain", accept="text/plain")
    assert reply.status == 200 and reply.body == b"compat"
    parameters = server.request("GET", "/execution-parameters").json()
    assert parameters["path"][-1].endswith("/hookhost/_compat"), parameters["path"]
    assert parameters["path"][0] == str(server.code_dir)
    assert parameters["package"].startswith(parameters["path"][-1])


def test_a_real_package_in_the_code_dir_wins(server_factory):
    server = server_factory(script=PATH_PROBE, files={
        "sagemaker_containers/__init__.py": "WHO = 'the real one'\n",
    })
    reply = server.invoke(b"", content_type="text/plain", accept="text/plain")
    assert reply.status == 200 and reply.body == b"the real one"
    parameters = server.request("GET", "/execution-parameters").json()
    assert parameters["package"] == str(server.code_dir / "sagemaker_containers" / "__init__.py")
