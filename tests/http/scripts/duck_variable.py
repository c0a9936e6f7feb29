"""Defaults only and no chainer installed: the model returns objects of a class named
Variable holding numpy arrays, which the default predict_fn unwraps by duck typing."""
import numpy


class Variable:
    def __init__(self, array):
        self.array = array


def model_fn(model_dir):
    def model(x):
        x = numpy.asarray(x)
        if x.ndim == 1 and x[0] == 2:
            return [Variable(x * 10), Variable(x * 100)]
        return Variable(x + 1)
    return model
