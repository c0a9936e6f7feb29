"""hookhost's stand-in for sagemaker_containers (serving side), for scripts written against it.

hookhost puts this package at the very end of the worker's sys.path, so it is
used only when the real sagemaker_containers is not installed.  It covers
what inference scripts import:

- ``sagemaker_containers.beta.framework``: ``content_types``, ``encoders``
  (``encode``, ``decode``, ``array_to_json``/``_csv``/``_npy``,
  ``json_to_numpy``, ``csv_to_numpy``, ``npy_to_numpy``), ``errors``
  (``ClientError``, ``UnsupportedFormatError`` and the rest of the
  exception names), ``env`` (``ServingEnv``, ``TrainingEnv`` basics, the
  ``/opt/ml`` paths), ``worker`` (``Response``), ``transformer`` (the
  default hooks);
- the top level: ``training_env()`` and the ``_content_types``,
  ``_encoders``, ``_errors``, ``_env``, ``_worker``, ``_transformer``
  modules the above are.

Not covered: training (``entry_point``, ``_runner``, ``_trainer``,
``_modules`` installs), the Flask server itself (``Worker``, ``Request``),
recordio-protobuf, MPI.  hookhost serves the script; these only have to
make its imports and return values work.
"""


def training_env():
    """A TrainingEnv of the environment and /opt/ml/input/config files (those present)."""
    from sagemaker_containers import _env
    return _env.TrainingEnv()
