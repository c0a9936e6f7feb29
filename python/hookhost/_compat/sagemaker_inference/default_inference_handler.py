"""sagemaker_inference default_inference_handler (hookhost compatibility): ``DefaultInferenceHandler``.

The toolkit's bare-bones defaults: ``default_model_fn`` and
``default_predict_fn`` raise NotImplementedError; ``default_input_fn``
decodes with ``decoder.decode``; ``default_output_fn`` encodes as the first
type of the Accept header the encoder supports and returns ``(body,
content_type)``, else raises UnsupportedFormatError (406 in output_fn).
Scripts may subclass it and call its methods from their hooks.
"""
import textwrap

from sagemaker_inference import decoder, encoder, errors, utils


class DefaultInferenceHandler(object):
    """Bare-bones implementation of default inference functions."""

    def default_model_fn(self, model_dir):
        raise NotImplementedError(textwrap.dedent("""
            Please provide a model_fn implementation.
            See documentation for model_fn at https://sagemaker.readthedocs.io/en/stable/
            """))

    def default_input_fn(self, input_data, content_type):
        return decoder.decode(input_data, content_type)

    def default_predict_fn(self, data, model):
        raise NotImplementedError(textwrap.dedent("""
            Please provide a predict_fn implementation.
            See documentation for predict_fn at https://sagemaker.readthedocs.io/en/stable/
            """))

    def default_output_fn(self, prediction, accept):
        for content_type in utils.parse_accept(accept):
            if content_type in encoder.SUPPORTED_CONTENT_TYPES:
                return encoder.encode(prediction, content_type), content_type
        raise errors.UnsupportedFormatError(accept)
