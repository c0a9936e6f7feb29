"""The examples under examples/, served as they are by the real binary.

Each example is served from its own code and model directories (nothing is
copied), and its answers are checked against what the example's model
computes in this process, byte for byte where the server's encoding is
specified.
"""
import importlib.util
import io
import json
import sys

import numpy
import pytest

from conftest import REPO, assert_error_reply

EXAMPLES = REPO / "examples"


def example_server(server_factory, name, **kwargs):
    return server_factory(code_dir=EXAMPLES / name / "code", model_dir=EXAMPLES / name / "model",
                          program="inference.py", **kwargs)


def load_example(name):
    """Imports examples/<name>/code/inference.py under a private module name (no bytecode written)."""
    path = EXAMPLES / name / "code" / "inference.py"
    spec = importlib.util.spec_from_file_location("example_%s_inference" % name, path)
    module = importlib.util.module_from_spec(spec)
    saved = sys.dont_write_bytecode
    sys.dont_write_bytecode = True
    try:
        spec.loader.exec_module(module)
    finally:
        sys.dont_write_bytecode = saved
    return module


# ----------------------------------------------------------------------------- (a) mlp: every default

MLP_ROW = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]


@pytest.fixture(scope="module")
def mlp_server(module_server_factory):
    return example_server(module_server_factory, "mlp")


@pytest.fixture(scope="module")
def mlp_model():
    return load_example("mlp").model_fn(str(EXAMPLES / "mlp" / "model"))


def test_mlp_json_is_json_dumps_of_the_model(mlp_server, mlp_model):
    reply = mlp_server.invoke(json.dumps([MLP_ROW]), content_type="application/json")
    assert reply.status == 200, reply
    assert reply.content_type == "application/json"
    expected = mlp_model(numpy.array([MLP_ROW], dtype=numpy.float32))
    assert reply.body == json.dumps(expected.tolist()).encode()
    assert abs(sum(reply.json()[0]) - 1.0) < 1e-5


def test_mlp_csv_in_csv_out(mlp_server, mlp_model):
    reply = mlp_server.invoke(",".join(map(str, MLP_ROW)) + "\n", content_type="text/csv", accept="text/csv")
    assert reply.status == 200, reply
    assert reply.content_type == "text/csv; charset=utf-8"
    buf = io.StringIO()
    numpy.savetxt(buf, mlp_model(numpy.array(MLP_ROW, dtype=numpy.float32)), delimiter=",", fmt="%s")
    assert reply.text == buf.getvalue()


def test_mlp_npy_batch(mlp_server, mlp_model):
    batch = numpy.linspace(-1, 1, 40, dtype=numpy.float32).reshape(4, 10)
    buf = io.BytesIO()
    numpy.save(buf, batch)
    reply = mlp_server.invoke(buf.getvalue(), content_type="application/x-npy", accept="application/x-npy")
    assert reply.status == 200, reply
    answer = numpy.load(io.BytesIO(reply.body))
    assert answer.shape == (4, 3) and answer.dtype == numpy.float32
    assert numpy.array_equal(answer, mlp_model(batch))


# ----------------------------------------------------------------------------- (b) images: input_fn/output_fn

def png_bytes(pixels, mode="L"):
    from PIL import Image
    buf = io.BytesIO()
    Image.fromarray(pixels, mode).save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture(scope="module")
def images_server(module_server_factory):
    pytest.importorskip("PIL", reason="python3-pil is not installed")
    return example_server(module_server_factory, "images")


@pytest.mark.parametrize("label,pixels", [
    ("bright", numpy.full((48, 40), 250, numpy.uint8)),
    ("dark", numpy.full((16, 16), 3, numpy.uint8)),
    # 64 px wide, 4 px stripes: each of the model's 16 columns is one stripe.
    ("stripes", numpy.tile(numpy.repeat(numpy.array([0, 255], numpy.uint8), 4), (64, 8))),
])
def test_images_label(images_server, label, pixels):
    reply = images_server.invoke(png_bytes(pixels), content_type="image/png")
    assert reply.status == 200, reply
    assert reply.content_type == "application/json"
    answer = reply.json()
    assert answer["label"] == label, answer
    assert set(answer["probabilities"]) == {"dark", "bright", "stripes"}
    assert answer["probabilities"][label] > 0.5


def test_images_color_png_is_converted(images_server):
    rgb = numpy.zeros((20, 20, 3), numpy.uint8)
    rgb[...] = (255, 255, 255)
    reply = images_server.invoke(png_bytes(rgb, "RGB"), content_type="image/png", accept="application/json")
    assert reply.status == 200, reply
    assert reply.json()["label"] == "bright"


def test_images_refuses_non_images(images_server):
    assert_error_reply(images_server.invoke(b"[1, 2]", content_type="application/json"), 415,
                       error="UnsupportedMediaType", message_contains="image")
    assert_error_reply(images_server.invoke(b"\x89PNG not really", content_type="image/png"), 400,
                       error="BadRequest", message_contains="cannot read")
    white = png_bytes(numpy.full((8, 8), 255, numpy.uint8))
    assert_error_reply(images_server.invoke(white, content_type="image/png", accept="text/csv"), 406)


# ----------------------------------------------------------------------------- (c) transform_fn

@pytest.fixture(scope="module")
def transform_server(module_server_factory):
    return example_server(module_server_factory, "transform")


def test_transform_jsonlines(transform_server):
    body = b'{"id": "a", "features": [1, 2, 3]}\n{"features": [2, 0, 0]}\n\n{"id": 7, "features": [0, 4, 8]}\n'
    reply = transform_server.invoke(body, content_type="application/jsonlines", accept="application/jsonlines")
    assert reply.status == 200, reply
    assert reply.content_type == "application/jsonlines"
    assert reply.body == (b'{"id": "a", "score": 0.375}\n{"score": 1.0}\n{"id": 7, "score": 0.0}\n')


def test_transform_json_with_default_accept(transform_server):
    body = json.dumps({"instances": [{"id": "x", "features": [4, 0, 0]}]})
    reply = transform_server.invoke(body, content_type="application/json; charset=utf-8")
    assert reply.status == 200, reply
    assert reply.content_type == "application/json"
    assert reply.json() == {"predictions": [{"id": "x", "score": 2.0}]}


def test_transform_client_errors(transform_server):
    assert_error_reply(transform_server.invoke(b"1,2,3", content_type="text/csv"), 415, error="ClientError")
    assert_error_reply(transform_server.invoke(b'{"features": [1, 2]}\n', content_type="application/jsonlines"),
                       400, message_contains="expected 3 features")
    assert_error_reply(transform_server.invoke(b'{"instances": [{"features": [1, 2, 3]}]}',
                                               accept="application/x-npy"), 406)


# ----------------------------------------------------------------------------- (d) pytorch: predict_fn

@pytest.fixture(scope="module")
def pytorch_server(module_server_factory):
    pytest.importorskip("torch", reason="python3-torch is not installed")
    return example_server(module_server_factory, "pytorch")


def test_pytorch_csv(pytorch_server):
    module = load_example("pytorch")
    model = module.model_fn(str(EXAMPLES / "pytorch" / "model"))
    row = numpy.array([[0.5, -1.0, 0.25, 2.0], [0.0, 0.0, 0.0, 0.0]], numpy.float32)
    reply = pytorch_server.invoke(b"0.5,-1.0,0.25,2.0\n0,0,0,0\n", content_type="text/csv", accept="text/csv")
    assert reply.status == 200, reply
    buf = io.StringIO()
    numpy.savetxt(buf, module.predict_fn(row, model), delimiter=",", fmt="%s")
    assert reply.text == buf.getvalue()
    rows = [[float(value) for value in line.split(",")] for line in reply.text.splitlines()]
    assert len(rows) == 2 and all(abs(sum(r) - 1.0) < 1e-5 for r in rows)


def test_pytorch_wrong_width_is_400(pytorch_server):
    assert_error_reply(pytorch_server.invoke(b"[[1, 2, 3]]"), 400, message_contains="4 features")
