"""sagemaker_containers transformer (hookhost compatibility): the library's default hook functions.

``default_model_fn`` and ``default_predict_fn`` raise NotImplementedError
as the library's do (frameworks replace them); ``default_input_fn`` decodes
with ``encoders.decode``; ``default_output_fn`` encodes with
``encoders.encode`` into a ``worker.Response`` typed ``accept``.  Scripts
served by hookhost need none of them (hookhost has its own defaults); they
exist for scripts that call them.  Not covered: the ``Transformer`` class.
"""
import textwrap

from sagemaker_containers import _encoders, _worker


def default_model_fn(model_dir):
    raise NotImplementedError(textwrap.dedent("""
        Please provide a model_fn implementation.
        See documentation for model_fn at https://github.com/aws/sagemaker-python-sdk
        """))


def default_input_fn(input_data, content_type):
    return _encoders.decode(input_data, content_type)


def default_predict_fn(data, model):
    raise NotImplementedError(textwrap.dedent("""
        Please provide a predict_fn implementation.
        See documentation for predict_fn at https://github.com/aws/sagemaker-python-sdk
        """))


def default_output_fn(prediction, accept):
    return _worker.Response(response=_encoders.encode(prediction, accept), mimetype=accept)
