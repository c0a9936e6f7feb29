"""Puts python/ first on sys.path so the tests import this tree's hookhost."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
