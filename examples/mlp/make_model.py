#!/usr/bin/python3
"""Writes examples/mlp/model/mlp.npz: fixed random weights, so answers are reproducible."""
import os
import sys

import numpy as np

rng = np.random.default_rng(20261121)
out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "model")
os.makedirs(out, exist_ok=True)
np.savez(os.path.join(out, "mlp.npz"),
         w1=rng.standard_normal((10, 16)).astype(np.float32),
         b1=np.zeros(16, np.float32),
         w2=rng.standard_normal((16, 3)).astype(np.float32),
         b2=np.zeros(3, np.float32))
