"""A PyTorch model behind hookhost: model_fn loads a state dict, predict_fn runs it.

input_fn and output_fn are hookhost's defaults, so the client sends JSON, CSV
or NPY and gets the answer in the type its Accept header asks for:

    curl -s localhost:8080/invocations -H 'Content-Type: text/csv' \
         -H 'Accept: text/csv' --data-binary $'0.5,-1.0,0.25,2.0\n'

The default input_fn gives a float32 numpy array; predict_fn wraps it in a
tensor without copying, runs the network in inference mode and hands a numpy
array back for the default output_fn to encode.  PyTorch comes from Debian
(python3-torch, CPU only).
"""
import os

import numpy as np
import torch
from torch import nn

FEATURES = 4
CLASSES = 3


def build_network():
    """The architecture; make_model.py saves its weights, model_fn loads them."""
    return nn.Sequential(nn.Linear(FEATURES, 8), nn.ReLU(), nn.Linear(8, CLASSES), nn.Softmax(dim=1))


def model_fn(model_dir):
    # Each worker is its own process: one thread each keeps N workers from fighting over the cores.
    torch.set_num_threads(1)
    network = build_network()
    # weights_only: the file is a state dict of tensors; refuse anything that would run code.
    state = torch.load(os.path.join(model_dir, "model.pt"), map_location="cpu", weights_only=True)
    network.load_state_dict(state)
    network.eval()
    return network


def predict_fn(data, model):
    batch = torch.from_numpy(np.atleast_2d(np.ascontiguousarray(data, dtype=np.float32)))
    if batch.dim() != 2 or batch.shape[1] != FEATURES:
        error = ValueError("expected rows of %d features, got shape %s" % (FEATURES, tuple(batch.shape)))
        error.status_code = 400
        raise error
    with torch.inference_mode():
        return model(batch).numpy()
