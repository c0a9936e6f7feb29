#!/usr/bin/python3
"""Writes examples/transform/model/linear.json: a fixed three-feature linear model."""
import json
import os
import sys

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "model")
os.makedirs(out, exist_ok=True)
with open(os.path.join(out, "linear.json"), "w") as saved:
    json.dump({"feature_names": ["rooms", "age", "distance"],
               "weights": [0.5, -0.25, 0.125],
               "bias": 0.0}, saved, indent=2, sort_keys=True)
    saved.write("\n")
