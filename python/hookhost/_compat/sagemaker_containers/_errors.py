"""sagemaker_containers errors (hookhost compatibility): the exception classes scripts raise and catch.

hookhost answers an exception with its integer ``status_code`` when it has
one in 400..599, else 500.  ``UnsupportedFormatError`` gets the status the
library's server gave it: 415 when raised in input_fn, 406 in output_fn
(whoever raised it: the script or ``encoders``), else 500.  The
compatibility decoders raise ``ClientError`` with status_code 400 for a
malformed body; raised by a script without a status it is a 500.
"""
import textwrap

from hookhost._sagemaker_compat import StageStatus as _StageStatus


class ClientError(Exception):
    """Error class used to separate framework and user errors."""


class _CalledProcessError(ClientError):
    """A process failed: cmd, return_code, output."""

    def __init__(self, cmd, return_code=None, output=None):
        self.return_code = return_code
        self.cmd = cmd
        self.output = output
        super().__init__()

    def __str__(self):
        output = self.output.decode("latin1") if isinstance(self.output, bytes) else self.output
        detail = "\n%s" % output if output else ""
        return ('%s:\nCommand "%s"%s' % (type(self).__name__, self.cmd, detail)).strip()


class InstallModuleError(_CalledProcessError):
    """A module failed to install."""


class ImportModuleError(ClientError):
    """A module failed to import."""


class ExecuteUserScriptError(_CalledProcessError):
    """A user script failed to execute."""


class ChannelDoesNotExistException(Exception):
    """A training channel does not exist."""

    def __init__(self, channel_name):
        super().__init__("Channel %s is not a valid channel" % channel_name)


class UnsupportedFormatError(_StageStatus, Exception):
    """A content type is not supported by the current framework."""

    def __init__(self, content_type, **kwargs):
        self.message = textwrap.dedent(
            """Content type %s is not supported by this framework.

            Please implement input_fn to to deserialize the request data or an output_fn to
            serialize the response. For more information, see the SageMaker Python SDK README."""
            % content_type)
        super().__init__(self.message, **kwargs)
