"""hookhost.defaults: the default hooks, with a fake `chainer` standing in for the real one."""
import collections
import contextlib
import logging
import sys
import types

import numpy as np
import pytest

from hookhost import defaults
from hookhost.errors import BadRequest, NotAcceptable, UnsupportedMediaType


# ---- fakes --------------------------------------------------------------------

def make_fake_chainer():
    """A module with chainer's config, using_config, no_backprop_mode and Variable."""
    chainer = types.ModuleType("chainer")
    chainer.config = types.SimpleNamespace(train=True, enable_backprop=True)

    @contextlib.contextmanager
    def using_config(name, value):
        old = getattr(chainer.config, name)
        setattr(chainer.config, name, value)
        try:
            yield
        finally:
            setattr(chainer.config, name, old)

    def no_backprop_mode():
        return using_config("enable_backprop", False)

    class Variable(object):
        def __init__(self, array):
            self.array = array

        @property
        def data(self):
            return self.array

    chainer.using_config = using_config
    chainer.no_backprop_mode = no_backprop_mode
    chainer.Variable = Variable
    return chainer


class FakeCupyArray(object):
    """Looks like cupy.ndarray: defined in a cupy module, .get() copies to host."""

    def __init__(self, array):
        self._array = array
        self.copies = 0

    def get(self):
        self.copies += 1
        return self._array


FakeCupyArray.__module__ = "cupy._core.core"


class Variable(object):
    """A chainer.Variable look-alike for runs without chainer (duck typing by name)."""

    def __init__(self, array):
        self.array = array


class OldVariable(object):
    """Chainer < 3: the array is only under .data."""

    def __init__(self, array):
        self.data = array


OldVariable.__name__ = "Variable"


class Prediction(collections.namedtuple("Prediction", "scores labels")):
    pass


@pytest.fixture
def fake_chainer(monkeypatch):
    chainer = make_fake_chainer()
    monkeypatch.setitem(sys.modules, "chainer", chainer)
    defaults.chainer_module.cache_clear()
    yield chainer
    defaults.chainer_module.cache_clear()


@pytest.fixture
def no_chainer(monkeypatch):
    monkeypatch.setitem(sys.modules, "chainer", None)   # import chainer -> ImportError
    defaults.chainer_module.cache_clear()
    yield
    defaults.chainer_module.cache_clear()


# ---- default_predict_fn ---------------------------------------------------------

def test_predict_with_chainer_turns_off_train_and_backprop(fake_chainer):
    seen = {}

    def model(data):
        seen["train"] = fake_chainer.config.train
        seen["enable_backprop"] = fake_chainer.config.enable_backprop
        return fake_chainer.Variable(data * 2)

    result = defaults.default_predict_fn(np.array([1.0, 2.0], dtype=np.float32), model)
    assert seen == {"train": False, "enable_backprop": False}
    assert fake_chainer.config.train is True and fake_chainer.config.enable_backprop is True   # restored
    assert isinstance(result, np.ndarray) and result.tolist() == [2.0, 4.0]


def test_predict_with_chainer_restores_config_when_the_model_raises(fake_chainer):
    def model(data):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        defaults.default_predict_fn(np.zeros(1), model)
    assert fake_chainer.config.train is True and fake_chainer.config.enable_backprop is True


def test_predict_with_chainer_unwraps_inside_tuples_and_lists(fake_chainer):
    var = fake_chainer.Variable
    a, b = np.arange(2), np.arange(3)
    result = defaults.default_predict_fn(None, lambda data: (var(a), [var(b), 5], "x"))
    assert isinstance(result, tuple) and result[0] is a and result[2] == "x"
    assert isinstance(result[1], list) and result[1][0] is b and result[1][1] == 5
    named = defaults.default_predict_fn(None, lambda data: Prediction(var(a), var(b)))
    assert type(named) is Prediction and named.scores is a and named.labels is b


def test_predict_with_chainer_moves_gpu_arrays_to_host(fake_chainer):
    host = np.ones(3, dtype=np.float32)
    device = FakeCupyArray(host)
    assert defaults.default_predict_fn(None, lambda data: fake_chainer.Variable(device)) is host
    assert device.copies == 1
    assert defaults.default_predict_fn(None, lambda data: [device]) == [host]


def test_predict_without_chainer(no_chainer):
    calls = []

    def model(data):
        calls.append(data)
        return data + 1

    data = np.zeros(2)
    np.testing.assert_array_equal(defaults.default_predict_fn(data, model), [1, 1])
    assert calls == [data]
    assert defaults.chainer_module() is None


def test_predict_without_chainer_unwraps_by_duck_typing(no_chainer):
    a = np.arange(3)
    assert defaults.default_predict_fn(None, lambda data: Variable(a)) is a
    assert defaults.default_predict_fn(None, lambda data: OldVariable(a)) is a
    assert defaults.default_predict_fn(None, lambda data: (Variable(a), [OldVariable(a)])) == (a, [a])
    device = FakeCupyArray(a)
    assert defaults.default_predict_fn(None, lambda data: Variable(device)) is a
    assert defaults.default_predict_fn(None, lambda data: device) is a


def test_duck_typing_leaves_other_objects_alone(no_chainer):
    class Holder(object):          # has .array but is not called Variable
        array = np.arange(2)

    holder = Holder()
    assert defaults.default_predict_fn(None, lambda data: holder) is holder
    not_array = Variable([1, 2])   # a Variable whose .array is not an ndarray
    assert defaults.default_predict_fn(None, lambda data: not_array) is not_array
    plain = {"a": Variable(np.arange(2))}   # dicts are not searched
    assert defaults.default_predict_fn(None, lambda data: plain) is plain

    class NotCupy(object):         # has get() but is not from cupy
        def get(self):
            raise AssertionError("must not be called")

    value = NotCupy()
    assert defaults.default_predict_fn(None, lambda data: value) is value


def test_chainer_import_is_tried_once(monkeypatch):
    attempts = []

    class Finder(object):
        def find_spec(self, name, path=None, target=None):
            if name == "chainer":
                attempts.append(name)
                raise ModuleNotFoundError("No module named 'chainer'", name="chainer")
            return None

    monkeypatch.delitem(sys.modules, "chainer", raising=False)
    monkeypatch.setattr(sys, "meta_path", [Finder()] + sys.meta_path)
    defaults.chainer_module.cache_clear()
    try:
        for _ in range(3):
            defaults.default_predict_fn(1, lambda data: data)
        assert attempts == ["chainer"]
    finally:
        defaults.chainer_module.cache_clear()


def test_broken_chainer_is_treated_as_absent_once(monkeypatch, caplog):
    attempts = []

    class Finder(object):
        def find_spec(self, name, path=None, target=None):
            if name == "chainer":
                attempts.append(name)
                raise RuntimeError("chainer is broken")
            return None

    monkeypatch.delitem(sys.modules, "chainer", raising=False)
    monkeypatch.setattr(sys, "meta_path", [Finder()] + sys.meta_path)
    defaults.chainer_module.cache_clear()
    try:
        with caplog.at_level(logging.WARNING, logger="hookhost"):
            assert defaults.default_predict_fn(1, lambda data: data + 1) == 2
            assert defaults.default_predict_fn(1, lambda data: data + 1) == 2
        assert attempts == ["chainer"]
        assert "fails to import" in caplog.text
    finally:
        defaults.chainer_module.cache_clear()


# ---- default_input_fn -----------------------------------------------------------

def test_input_fn_dispatches_by_media_type():
    assert defaults.default_input_fn("[1, 2]", "application/json").tolist() == [1.0, 2.0]
    assert defaults.default_input_fn("1,2\n3,4", "text/csv; charset=utf-8").shape == (2, 2)
    assert defaults.default_input_fn(b"[1]\n[2]", "application/jsonlines").shape == (2, 1)
    import io
    buffer = io.BytesIO()
    np.save(buffer, np.arange(3, dtype=np.int16))
    result = defaults.default_input_fn(buffer.getvalue(), "Application/X-NPY")
    assert result.dtype == np.int16 and result.tolist() == [0, 1, 2]


def test_input_fn_errors():
    with pytest.raises(UnsupportedMediaType):
        defaults.default_input_fn(b"x", "text/plain")
    with pytest.raises(BadRequest):
        defaults.default_input_fn("[1, 2", "application/json")


# ---- default_output_fn ----------------------------------------------------------

@pytest.fixture
def default_accept(monkeypatch):
    monkeypatch.delenv("SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT", raising=False)
    return monkeypatch


PREDICTION = np.array([[0.5, 1.5]], dtype=np.float32)


@pytest.mark.parametrize("accept, body, content_type", [
    ("application/json", b"[[0.5, 1.5]]", "application/json"),
    ("text/csv", b"0.5,1.5\n", "text/csv; charset=utf-8"),
    ("application/jsonlines", b"[0.5, 1.5]\n", "application/jsonlines"),
    ("text/csv;q=0.5, application/json;q=0.9", b"[[0.5, 1.5]]", "application/json"),
    ("text/*", b"0.5,1.5\n", "text/csv; charset=utf-8"),
    ("*/*", b"[[0.5, 1.5]]", "application/json"),
    ("", b"[[0.5, 1.5]]", "application/json"),
    (None, b"[[0.5, 1.5]]", "application/json"),
])
def test_output_fn(default_accept, accept, body, content_type):
    assert defaults.default_output_fn(PREDICTION, accept) == (body, content_type)


def test_output_fn_npy(default_accept):
    body, content_type = defaults.default_output_fn(PREDICTION, "application/x-npy")
    assert content_type == "application/x-npy"
    import io
    buffer = io.BytesIO()
    np.save(buffer, PREDICTION)
    assert body == buffer.getvalue()


def test_output_fn_uses_configured_default_accept(default_accept):
    default_accept.setenv("SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT", "text/csv")
    assert defaults.default_output_fn(PREDICTION, "*/*") == (b"0.5,1.5\n", "text/csv; charset=utf-8")
    assert defaults.default_output_fn(PREDICTION, "")[1] == "text/csv; charset=utf-8"
    assert defaults.default_output_fn(PREDICTION, "application/*")[1] == "application/json"
    default_accept.setenv("SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT", "application/jsonlines")
    assert defaults.default_output_fn(PREDICTION, "application/*")[1] == "application/jsonlines"
    default_accept.setenv("SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT", "")
    assert defaults.default_output_fn(PREDICTION, "")[1] == "application/json"


def test_output_fn_not_acceptable(default_accept):
    with pytest.raises(NotAcceptable) as raised:
        defaults.default_output_fn(PREDICTION, "text/html")
    assert raised.value.status_code == 406
    with pytest.raises(NotAcceptable):
        defaults.default_output_fn(np.zeros((2, 2, 2)), "text/csv")
    # negotiation does not look at the shape: CSV is chosen, then cannot hold 3-D
    with pytest.raises(NotAcceptable):
        defaults.default_output_fn(np.zeros((1, 1, 1)), "text/csv, application/json;q=0.5")


def test_full_default_chain(fake_chainer, default_accept):
    weights = np.array([[1.0], [2.0]], dtype=np.float32)

    def model(data):
        assert fake_chainer.config.train is False
        return fake_chainer.Variable(data @ weights)

    data = defaults.default_input_fn("1,2\n3,4\n", "text/csv")
    prediction = defaults.default_predict_fn(data, model)
    assert defaults.default_output_fn(prediction, "application/json") == \
        (b"[[5.0], [11.0]]", "application/json")
    assert defaults.default_output_fn(prediction, "text/csv") == (b"5.0\n11.0\n", "text/csv; charset=utf-8")
