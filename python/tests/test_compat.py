"""hookhost/_compat: the sagemaker_containers and sagemaker_inference stand-ins.

Scripts served by the real binary are in tests/http/test_compat.py; here the
modules one by one, and the sys.path rule through hookhost.testing.
"""
import importlib
import io
import json
import os
import pkgutil
import sys
import textwrap

import numpy
import pytest

import hookhost
from hookhost._reply import response_parts
from hookhost.testing import Harness

COMPAT_DIR = os.path.join(os.path.dirname(os.path.abspath(hookhost.__file__)), "_compat")
PACKAGES = ("sagemaker_containers", "sagemaker_inference")


def _forget_packages():
    for name in list(sys.modules):
        if name.split(".")[0] in PACKAGES:
            del sys.modules[name]


@pytest.fixture
def compat(monkeypatch):
    """The compat directory at the end of sys.path, as the worker puts it."""
    _forget_packages()
    monkeypatch.setattr(sys, "path", sys.path + [COMPAT_DIR])
    yield
    _forget_packages()


def npy(array, allow_pickle=False):
    buffer = io.BytesIO()
    numpy.save(buffer, array, allow_pickle=allow_pickle)
    return buffer.getvalue()


def all_modules():
    names = []
    for package in PACKAGES:
        names.append(package)
        root = os.path.join(COMPAT_DIR, package)
        for info in pkgutil.walk_packages([root], prefix=package + "."):
            names.append(info.name)
    return names


def test_every_module_says_what_it_covers(compat):
    names = all_modules()
    assert "sagemaker_containers.beta.framework" in names and "sagemaker_inference.encoder" in names
    for name in names:
        module = importlib.import_module(name)
        assert module.__doc__ and len(module.__doc__.strip()) > 40, name
        assert module.__file__.startswith(COMPAT_DIR), name


# ----------------------------------------------------------------------------- sagemaker_containers

def test_framework_names(compat):
    from sagemaker_containers.beta.framework import (content_types, encoders, env, errors, transformer,  # noqa
                                                     worker)
    import sagemaker_containers
    assert content_types.JSON == "application/json" and content_types.CSV == "text/csv"
    assert content_types.NPY == "application/x-npy" and content_types.UTF8_TYPES == ["application/json", "text/csv"]
    assert callable(sagemaker_containers.training_env)
    assert encoders.SUPPORTED_CONTENT_TYPES == {"application/json", "text/csv", "application/x-npy"}


def test_containers_decoders_keep_library_semantics(compat):
    from sagemaker_containers.beta.framework import encoders
    ints = encoders.decode("[[1, 2], [3, 4]]", "application/json")
    assert ints.dtype == numpy.int64 and ints.tolist() == [[1, 2], [3, 4]]
    assert encoders.json_to_numpy(b"[1, 2]", dtype="float32").dtype == numpy.float32
    csv = encoders.decode("1,2\n3,4\n", "text/csv")
    assert csv.dtype == numpy.float64 and csv.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert encoders.decode("1,2,3", "text/csv").shape == (3,)
    assert encoders.csv_to_numpy("a,b").tolist() == ["a", "b"]         # not numeric: the strings, as the library
    array = numpy.arange(6, dtype=numpy.int16).reshape(2, 3)
    assert (encoders.decode(npy(array), "application/x-npy") == array).all()
    assert encoders.decode("[1]", "application/json; charset=utf-8").tolist() == [1]


def test_containers_decode_errors_carry_statuses(compat):
    from sagemaker_containers.beta.framework import encoders, errors
    with pytest.raises(errors.UnsupportedFormatError) as caught:
        encoders.decode(b"x", "image/png")
    assert caught.value.status_code is None and "image/png is not supported" in caught.value.message
    with pytest.raises(errors.ClientError) as caught:
        encoders.decode("[1,", "application/json")
    assert caught.value.status_code == 400
    with pytest.raises(errors.ClientError) as caught:
        encoders.decode(npy(numpy.array([{}], dtype=object), allow_pickle=True), "application/x-npy")
    assert caught.value.status_code == 400 and "HOOKHOST_NPY_ALLOW_PICKLE" in str(caught.value)
    with pytest.raises(errors.ClientError):
        encoders.csv_to_numpy("a,b", dtype=float)


def test_containers_encoders(compat):
    from sagemaker_containers.beta.framework import encoders, errors
    array = numpy.array([[0.5, 1.0], [2.0, 3.25]], dtype=numpy.float32)
    assert encoders.encode(array, "application/json") == json.dumps(array.tolist())
    assert encoders.array_to_json({"a": numpy.float64(1.5)}) == '{"a": 1.5}'
    assert encoders.encode(array, "text/csv") == "0.5,1.0\n2.0,3.25\n"
    assert encoders.encode(array, "application/x-npy") == npy(array)
    with pytest.raises(errors.UnsupportedFormatError):
        encoders.encode(array, "text/html")


@pytest.mark.parametrize("package", ["sagemaker_containers.beta.framework", "sagemaker_inference"])
def test_unsupported_format_status_follows_the_hook(compat, package):
    """415 raised in input_fn, 406 in output_fn (however deep), an explicit status wins, else none."""
    errors = getattr(importlib.import_module(package), "errors", None) or importlib.import_module(package + ".errors")

    def raise_it(error):
        raise error

    def input_fn():
        raise_it(errors.UnsupportedFormatError("image/png"))

    def output_fn():
        raise_it(errors.UnsupportedFormatError("text/html"))

    def transform_fn():
        raise_it(errors.UnsupportedFormatError("text/html"))

    for hook, status in ((input_fn, 415), (output_fn, 406), (transform_fn, None)):
        with pytest.raises(errors.UnsupportedFormatError) as caught:
            hook()
        assert caught.value.status_code == status, hook.__name__
    error = errors.UnsupportedFormatError("x")
    error.status_code = 400
    assert error.status_code == 400


def test_worker_response(compat):
    from sagemaker_containers.beta.framework import worker
    response = worker.Response(b"[1]", "application/json")
    assert response_parts(response, "x") == (200, "application/json", [], b"[1]")
    response = worker.Response(response="1,2\n", mimetype="text/csv")
    assert response.content_type == "text/csv; charset=utf-8" and response.mimetype == "text/csv"
    response = worker.Response(response=["a", b"b"], status="201 CREATED", headers={"X-A": "1"})
    assert response_parts(response, "x") == (201, "application/json", [("X-A", "1")], b"ab")
    response = worker.Response(b"x", headers=[("Content-Type", "application/x-own")])
    assert response.content_type == "application/x-own"
    assert worker.Response().get_data() == b"" and worker.Response("t").get_data(as_text=True) == "t"


def test_transformer_defaults(compat):
    from sagemaker_containers.beta.framework import transformer
    with pytest.raises(NotImplementedError):
        transformer.default_model_fn("/model")
    assert transformer.default_input_fn("[1]", "application/json").tolist() == [1]
    response = transformer.default_output_fn(numpy.array([1.5]), "text/csv")
    assert response_parts(response, "x") == (200, "text/csv; charset=utf-8", [], b"1.5\n")


def test_serving_env(compat, monkeypatch):
    monkeypatch.setenv("SAGEMAKER_PROGRAM", "inference.py")
    monkeypatch.setenv("SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT", "text/csv")
    monkeypatch.setenv("SAGEMAKER_MODEL_SERVER_TIMEOUT", "30")
    monkeypatch.setenv("SAGEMAKER_BASE_DIR", "/srv/ml")
    from sagemaker_containers.beta.framework import env
    serving = env.ServingEnv()
    assert serving.module_name == "inference" and serving.user_entry_point == "inference.py"
    assert serving.default_accept == "text/csv" and serving.model_server_timeout == 30
    assert serving.model_dir == "/srv/ml/model" and env.code_dir == "/srv/ml/code"
    assert serving["default_accept"] == "text/csv" and dict(serving.items())["http_port"] == "8080"
    assert serving.num_cpus >= 1 and isinstance(serving.num_gpus, int)
    assert not os.path.exists("/srv/ml/code"), "the stand-in must not create directories"


def test_training_env_reads_config_files(compat, monkeypatch, tmp_path):
    config = tmp_path / "input" / "config"
    config.mkdir(parents=True)
    (config / "hyperparameters.json").write_text(json.dumps({"epochs": "3", "name": "net"}))
    (config / "resourceconfig.json").write_text(json.dumps({"current_host": "algo-1", "hosts": ["algo-1"]}))
    (config / "inputdataconfig.json").write_text(json.dumps({"training": {}}))
    monkeypatch.setenv("SAGEMAKER_BASE_DIR", str(tmp_path))
    import sagemaker_containers
    training = sagemaker_containers.training_env()
    assert training.hyperparameters == {"epochs": 3, "name": "net"}
    assert training.current_host == "algo-1" and training.hosts == ["algo-1"]
    assert training.channel_input_dirs == {"training": str(tmp_path / "input" / "data" / "training")}


# ----------------------------------------------------------------------------- sagemaker_inference

def test_inference_decoder_and_encoder(compat):
    from sagemaker_inference import content_types, decoder, encoder, errors
    assert content_types.NPZ == "application/x-npz"
    assert decoder.decode("[1, 2]", content_types.JSON).tolist() == [1, 2]
    assert decoder.decode("1.5,2.5\n3,4\n", content_types.CSV).tolist() == [[1.5, 2.5], [3.0, 4.0]]
    assert decoder.decode(npy(numpy.arange(3)), content_types.NPY).tolist() == [0, 1, 2]
    with pytest.raises(errors.UnsupportedFormatError):
        decoder.decode(b"", "image/png")
    assert encoder.encode(numpy.array([1.0, 2.0]), content_types.JSON) == "[1.0, 2.0]"
    assert encoder.encode(numpy.array([1.0, 2.0]), content_types.CSV) == "1.0\n2.0\n"
    assert encoder.SUPPORTED_CONTENT_TYPES == {content_types.JSON, content_types.CSV, content_types.NPY}
    with pytest.raises(errors.UnsupportedFormatError):
        encoder.encode([1], "text/html")


def test_inference_errors_and_utils(compat):
    from sagemaker_inference import errors, utils
    error = errors.GenericInferenceToolkitError(422)
    assert (error.status_code, error.message, error.phrase) == (422, "Invalid Request", "Invalid Request")
    error = errors.BaseInferenceToolkitError(409, "conflict", "Conflict")
    assert error.status_code == 409 and error.message == "conflict"
    assert utils.parse_accept("application/json, text/csv") == ["application/json", "text/csv"]
    assert utils.retrieve_content_type_header({"Accept": "x", "ContentType": "text/csv"}) == "text/csv"
    assert utils.remove_crlf("a\r\nb") == "a  b"


def test_default_inference_handler(compat):
    from sagemaker_inference import default_inference_handler, errors
    handler = default_inference_handler.DefaultInferenceHandler()
    with pytest.raises(NotImplementedError):
        handler.default_model_fn("/model")
    with pytest.raises(NotImplementedError):
        handler.default_predict_fn([1], None)
    assert handler.default_input_fn("[3]", "application/json").tolist() == [3]
    body, content_type = handler.default_output_fn(numpy.array([1.0]), "text/html, text/csv")
    assert (body, content_type) == ("1.0\n", "text/csv")
    with pytest.raises(errors.UnsupportedFormatError):
        handler.default_output_fn([1], "text/html")


# ----------------------------------------------------------------------------- the sys.path rule

CONTAINERS_SCRIPT = """
    import sagemaker_containers
    from sagemaker_containers.beta.framework import encoders, worker

    def model_fn(model_dir):
        return lambda data: data * 2

    def input_fn(body, content_type):
        return encoders.decode(body, content_type)

    def output_fn(prediction, accept):
        if hasattr(sagemaker_containers, "REAL"):
            return "real package", "text/plain"
        return worker.Response(encoders.encode(prediction, accept), accept, mimetype=accept)
"""


def test_harness_serves_a_containers_script(tmp_path):
    _forget_packages()
    script = tmp_path / "inference.py"
    script.write_text(textwrap.dedent(CONTAINERS_SCRIPT))
    harness = Harness(script, str(tmp_path))
    result = harness.invoke(b"[[1, 2]]", accept="text/csv")
    assert (result.status, result.content_type, result.body) == (200, "text/csv", b"2,4\n")
    result = harness.invoke(b"[1,", accept="text/csv")
    assert result.status == 400 and result.error["error"] == "ClientError"
    result = harness.invoke(b"[1]", accept="text/html")
    assert result.status == 406 and result.error["error"] == "UnsupportedFormatError"
    assert COMPAT_DIR not in sys.path, "the harness left the compat dir on sys.path"
    harness.close()
    _forget_packages()


def test_a_real_package_wins(tmp_path, monkeypatch):
    _forget_packages()
    real = tmp_path / "site" / "sagemaker_containers"
    (real / "beta" / "framework").mkdir(parents=True)
    (real / "__init__.py").write_text("REAL = True\n")
    (real / "beta" / "__init__.py").write_text("")
    (real / "beta" / "framework" / "__init__.py").write_text(
        "class encoders:\n    decode = staticmethod(lambda body, content_type: 1)\n"
        "class worker:\n    Response = None\n")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    code = tmp_path / "code"
    code.mkdir()
    (code / "inference.py").write_text(textwrap.dedent(CONTAINERS_SCRIPT))
    harness = Harness(code / "inference.py", str(tmp_path))
    assert harness.invoke(b"[1]", accept="application/json").body == b"real package"
    assert sys.modules["sagemaker_containers"].__file__ == str(real / "__init__.py")
    harness.close()
    _forget_packages()
