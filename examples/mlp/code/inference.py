"""A Chainer-style inference script: a small multi-layer perceptron in NumPy.

It defines model_fn only.  hookhost's defaults do the rest: input_fn decodes
JSON, CSV or NPY into a float32 array, predict_fn calls the model (under
chainer.using_config('train', False) when Chainer is installed), output_fn
encodes the answer in the type the client's Accept header asks for.

    curl -s localhost:8080/invocations -H 'Content-Type: application/json' \
         -d '[[0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]]'
"""
import os

import numpy as np


class MLP(object):
    """10 inputs -> 16 hidden (ReLU) -> 3 class probabilities (softmax)."""

    def __init__(self, w1, b1, w2, b2):
        self.w1, self.b1, self.w2, self.b2 = w1, b1, w2, b2

    def __call__(self, x):
        x = np.atleast_2d(np.asarray(x, dtype=np.float32))
        hidden = np.maximum(x @ self.w1 + self.b1, 0.0)
        logits = hidden @ self.w2 + self.b2
        logits -= logits.max(axis=1, keepdims=True)
        odds = np.exp(logits)
        return (odds / odds.sum(axis=1, keepdims=True)).astype(np.float32)


def model_fn(model_dir):
    with np.load(os.path.join(model_dir, "mlp.npz")) as saved:
        return MLP(saved["w1"], saved["b1"], saved["w2"], saved["b2"])
