"""sagemaker_containers env (hookhost compatibility): the container's paths and settings.

Module attributes as the library's (computed once at import, without its side
effects: nothing is created on disk): ``base_dir`` (SAGEMAKER_BASE_DIR or
/opt/ml), ``code_dir``, ``model_dir``, ``input_dir``, ``input_config_dir``,
``output_dir``, ``output_data_dir``, ``output_intermediate_dir``, and
``read_hyperparameters()``, ``read_resource_config()``,
``read_input_data_config()`` (empty when the file is missing),
``channel_path(channel)``, ``num_gpus()``, ``num_cpus()``.

``ServingEnv()``: a read-only mapping-like snapshot with ``model_dir``,
``module_name``, ``module_dir``, ``log_level``, ``current_host``,
``num_gpus``, ``num_cpus``, ``user_entry_point``, ``use_nginx``,
``model_server_timeout``, ``model_server_workers``, ``framework_module``,
``default_accept``, ``http_port``, ``safe_port_range``, from the same
variables the reference reads.  ``TrainingEnv()`` basics:
``hyperparameters``, ``resource_config``, ``input_data_config``,
``channel_input_dirs``, ``hosts``, ``current_host``, ``output_data_dir``
plus the common properties.  The model directory is the path the variables
name; hookhost passes the real one to model_fn.
"""
import json
import logging
import os
import shutil
import subprocess

from sagemaker_containers import _content_types

SAGEMAKER_BASE_PATH = os.path.join("/opt", "ml")
BASE_PATH_ENV = "SAGEMAKER_BASE_DIR"

base_dir = os.environ.get(BASE_PATH_ENV) or SAGEMAKER_BASE_PATH
code_dir = os.path.join(base_dir, "code")
model_dir = os.path.join(base_dir, "model")
input_dir = os.path.join(base_dir, "input")
_input_data_dir = os.path.join(input_dir, "data")
input_config_dir = os.path.join(input_dir, "config")
output_dir = os.path.join(base_dir, "output")
output_data_dir = os.path.join(output_dir, "data")
output_intermediate_dir = os.path.join(output_dir, "intermediate")

HYPERPARAMETERS_FILE = "hyperparameters.json"
RESOURCE_CONFIG_FILE = "resourceconfig.json"
INPUT_DATA_CONFIG_FILE = "inputdataconfig.json"
hyperparameters_file_dir = os.path.join(input_config_dir, HYPERPARAMETERS_FILE)
input_data_config_file_dir = os.path.join(input_config_dir, INPUT_DATA_CONFIG_FILE)
resource_config_file_dir = os.path.join(input_config_dir, RESOURCE_CONFIG_FILE)


def _read_json(path, default):
    try:
        with open(path) as handle:
            return json.load(handle)
    except FileNotFoundError:
        return default


def read_hyperparameters():
    """hyperparameters.json with each value JSON-decoded when it can be ({} without the file)."""
    decoded = {}
    for name, value in _read_json(hyperparameters_file_dir, {}).items():
        try:
            value = json.loads(value)
        except (TypeError, ValueError):
            pass
        decoded[name] = value
    return decoded


def read_resource_config():
    """resourceconfig.json ({} without the file)."""
    return _read_json(resource_config_file_dir, {})


def read_input_data_config():
    """inputdataconfig.json ({} without the file)."""
    return _read_json(input_data_config_file_dir, {})


def channel_path(channel):
    """<base>/input/data/<channel>."""
    return os.path.join(_input_data_dir, channel)


def num_gpus():
    """GPUs nvidia-smi lists (0 without it)."""
    if shutil.which("nvidia-smi") is None:
        return 0
    try:
        output = subprocess.check_output(["nvidia-smi", "--list-gpus"], stderr=subprocess.DEVNULL).decode("utf-8")
    except (OSError, subprocess.CalledProcessError):
        return 0
    return sum(1 for line in output.split("\n") if line.startswith("GPU "))


def num_cpus():
    """CPUs this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


class _Env(object):
    """Read-only snapshot; also a mapping of its property names (env["model_dir"], dict(env))."""

    def __init__(self):
        self._current_host = os.environ.get("SM_CURRENT_HOST") or os.environ.get("CURRENT_HOST")
        self._num_gpus = num_gpus()
        self._num_cpus = num_cpus()
        self._module_name = os.environ.get("SAGEMAKER_PROGRAM")
        self._module_dir = os.environ.get("SAGEMAKER_SUBMIT_DIRECTORY") or code_dir
        self._log_level = int(os.environ.get("SAGEMAKER_CONTAINER_LOG_LEVEL") or logging.INFO)
        self._model_dir = model_dir

    model_dir = property(lambda self: self._model_dir, doc="where the model files are, e.g. /opt/ml/model")
    current_host = property(lambda self: self._current_host)
    num_gpus = property(lambda self: self._num_gpus)
    num_cpus = property(lambda self: self._num_cpus)
    module_dir = property(lambda self: self._module_dir)
    log_level = property(lambda self: self._log_level)
    user_entry_point = property(lambda self: self._module_name)

    @property
    def module_name(self):
        """SAGEMAKER_PROGRAM without a trailing .py."""
        name = self._module_name
        return name[:-3] if name and name.endswith(".py") else name

    def properties(self):
        names = []
        for cls in type(self).__mro__:
            names += [name for name, value in vars(cls).items() if isinstance(value, property)]
        return sorted(set(names))

    def keys(self):
        return self.properties()

    def __getitem__(self, name):
        if name not in self.properties():
            raise KeyError(name)
        return getattr(self, name)

    def __iter__(self):
        return iter(self.properties())

    def __len__(self):
        return len(self.properties())

    def __contains__(self, name):
        return name in self.properties()

    def items(self):
        return [(name, getattr(self, name)) for name in self.properties()]

    def __str__(self):
        return str(dict(self.items()))

    __repr__ = __str__


class ServingEnv(_Env):
    """The serving settings, from the environment variables the reference reads."""

    def __init__(self):
        super().__init__()
        self._use_nginx = (os.environ.get("SAGEMAKER_USE_NGINX") or "true").lower() in ("1", "true", "yes", "on")
        self._model_server_timeout = int(os.environ.get("SAGEMAKER_MODEL_SERVER_TIMEOUT") or 60)
        self._model_server_workers = int(os.environ.get("SAGEMAKER_MODEL_SERVER_WORKERS") or num_cpus())
        self._framework_module = os.environ.get("SAGEMAKER_SERVING_MODULE")
        self._default_accept = os.environ.get("SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT") or _content_types.JSON
        self._http_port = os.environ.get("SAGEMAKER_BIND_TO_PORT") or "8080"
        self._safe_port_range = os.environ.get("SAGEMAKER_SAFE_PORT_RANGE")

    use_nginx = property(lambda self: self._use_nginx)
    model_server_timeout = property(lambda self: self._model_server_timeout)
    model_server_workers = property(lambda self: self._model_server_workers)
    framework_module = property(lambda self: self._framework_module)
    default_accept = property(lambda self: self._default_accept)
    http_port = property(lambda self: self._http_port)
    safe_port_range = property(lambda self: self._safe_port_range)


class TrainingEnv(_Env):
    """Training settings from the /opt/ml/input/config files (basics only)."""

    def __init__(self, resource_config=None, input_data_config=None, hyperparameters=None):
        super().__init__()
        self._resource_config = resource_config if resource_config is not None else read_resource_config()
        self._input_data_config = input_data_config if input_data_config is not None else read_input_data_config()
        self._hyperparameters = hyperparameters if hyperparameters is not None else read_hyperparameters()
        self._current_host = self._resource_config.get("current_host", self._current_host)

    hyperparameters = property(lambda self: self._hyperparameters)
    resource_config = property(lambda self: self._resource_config)
    input_data_config = property(lambda self: self._input_data_config)
    hosts = property(lambda self: self._resource_config.get("hosts", []))
    channel_input_dirs = property(lambda self: {name: channel_path(name) for name in self._input_data_config})
    input_dir = property(lambda self: input_dir)
    input_config_dir = property(lambda self: input_config_dir)
    output_dir = property(lambda self: output_dir)
    output_data_dir = property(lambda self: output_data_dir)
    output_intermediate_dir = property(lambda self: output_intermediate_dir)
