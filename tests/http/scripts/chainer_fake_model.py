"""Defaults only, with the fake chainer beside it.  The model answers the
chainer config it saw during the call: [train, enable_backprop, sum(x)] as a
chainer.Variable (input [1, ...]) or a tuple of two Variables (input [2, ...])."""
import numpy

import chainer


class Model:
    def __call__(self, x):
        seen = numpy.array([float(chainer.config.train), float(chainer.config.enable_backprop),
                            float(numpy.asarray(x).sum())], dtype=numpy.float32)
        if float(numpy.asarray(x).ravel()[0]) == 2.0:
            return (chainer.Variable(seen), chainer.Variable(seen * 2))
        return chainer.Variable(seen)


def model_fn(model_dir):
    assert chainer.IS_FAKE_CHAINER
    return Model()
