"""A fake `chainer` for the default predict_fn: using_config, no_backprop_mode, Variable, config.
Copied into the code dir as chainer.py so `import chainer` finds it first."""
import contextlib


class _Config:
    def __init__(self):
        self.train = True
        self.enable_backprop = True


config = _Config()
IS_FAKE_CHAINER = True


@contextlib.contextmanager
def using_config(name, value):
    old = getattr(config, name)
    setattr(config, name, value)
    try:
        yield
    finally:
        setattr(config, name, old)


def no_backprop_mode():
    return using_config("enable_backprop", False)


class Variable:
    def __init__(self, array):
        self.array = array

    @property
    def data(self):
        return self.array
