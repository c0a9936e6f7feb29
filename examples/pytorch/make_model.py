#!/usr/bin/python3
"""Writes examples/pytorch/model/model.pt: the state dict of code/inference.py's network,
initialised from a fixed seed, so answers are reproducible."""
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(HERE, "code"))
import inference  # noqa: E402 (after the path is set)

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "model")
os.makedirs(out, exist_ok=True)
torch.manual_seed(20261122)
torch.save(inference.build_network().state_dict(), os.path.join(out, "model.pt"))
