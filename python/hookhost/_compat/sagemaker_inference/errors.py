"""sagemaker_inference errors (hookhost compatibility): the exception classes scripts raise and catch.

hookhost answers an exception with its integer ``status_code`` in 400..599,
else 500: ``BaseInferenceToolkitError(status_code, message, phrase)`` and
``GenericInferenceToolkitError`` therefore answer with their status and
message, as under the toolkit.  ``UnsupportedFormatError`` is answered 415
when raised in input_fn and 406 in output_fn (the toolkit's server made it
a 500); the compatibility decoder raises ``ClientError`` with status_code
400 for a malformed body.
"""
import textwrap

from hookhost._sagemaker_compat import StageStatus as _StageStatus


class ClientError(Exception):
    """A malformed request (older toolkit versions)."""


class UnsupportedFormatError(_StageStatus, Exception):
    """An unsupported content type was provided."""

    def __init__(self, content_type, **kwargs):
        self._message = textwrap.dedent(
            """Content type %s is not supported by this framework.

            Please implement input_fn to to deserialize the request data or an output_fn to
            serialize the response. For more information, see the SageMaker Python SDK README."""
            % content_type)
        super().__init__(self._message, **kwargs)


class BaseInferenceToolkitError(Exception):
    """A problem during inference, answered with status_code and message."""

    def __init__(self, status_code, message, phrase):
        self.status_code = status_code
        self.message = message
        self.phrase = phrase
        super().__init__(status_code, message, phrase)


class GenericInferenceToolkitError(BaseInferenceToolkitError):
    """BaseInferenceToolkitError with a default message ("Invalid Request")."""

    def __init__(self, status_code, message=None, phrase=None):
        message = message or "Invalid Request"
        phrase = phrase or message
        super().__init__(status_code, message, phrase)
