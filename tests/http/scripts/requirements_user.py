"""Imports hh_tinypkg, which only requirements.txt installs."""
import os

import hh_tinypkg


def model_fn(model_dir):
    return os.getpid()


def transform_fn(model, body, content_type, accept):
    return "%s|%s|%d" % (hh_tinypkg.MAGIC, hh_tinypkg.__file__, model), "text/plain"
