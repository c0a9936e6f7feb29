"""A Chainer-container style script that defines only model_fn: input_fn,
predict_fn and output_fn are hookhost's defaults (numpy codecs, Accept
negotiation).  The model is a small numpy MLP read from <model_dir>/mlp.npz:
relu(x @ W1 + b1) @ W2 + b2 for inputs whose last axis is 4; any other input
is returned unchanged, so the tests can check the codecs value for value."""
import os

import numpy


class MLP:
    def __init__(self, weights):
        self.W1, self.b1 = weights["W1"], weights["b1"]
        self.W2, self.b2 = weights["W2"], weights["b2"]

    def __call__(self, x):
        x = numpy.asarray(x)
        if x.ndim == 0 or x.shape[-1] != 4 or x.dtype != numpy.float32:
            return x
        hidden = numpy.maximum(x @ self.W1 + self.b1, numpy.float32(0))
        return hidden @ self.W2 + self.b2


def model_fn(model_dir):
    with numpy.load(os.path.join(model_dir, "mlp.npz")) as weights:
        return MLP({name: weights[name] for name in ("W1", "b1", "W2", "b2")})
