"""sagemaker_containers.beta.framework (hookhost compatibility): the names inference scripts import.

``content_types``, ``encoders``, ``errors``, ``env``, ``worker``,
``transformer`` (see each module's docstring for what it covers) and
``training_env()``.  Imported from here exactly as from the library::

    from sagemaker_containers.beta.framework import content_types, encoders, env, worker
"""
import sagemaker_containers  # noqa: F401
from sagemaker_containers import _content_types as content_types  # noqa: F401
from sagemaker_containers import _encoders as encoders  # noqa: F401
from sagemaker_containers import _env as env  # noqa: F401
from sagemaker_containers import _errors as errors  # noqa: F401
from sagemaker_containers import _transformer as transformer  # noqa: F401
from sagemaker_containers import _worker as worker  # noqa: F401


def training_env(resource_config=None, input_data_config=None, hyperparameters=None):
    """A TrainingEnv from the given settings or the /opt/ml/input/config files."""
    return env.TrainingEnv(resource_config=resource_config, input_data_config=input_data_config,
                           hyperparameters=hyperparameters)
