"""sagemaker_containers worker (hookhost compatibility): ``Response``, as output_fn returns it.

``Response(response=None, accept=None, status=200, headers=None,
mimetype=None, direct_passthrough=False)``, the signature of the library's
Flask response.  hookhost sends its status, headers and body.  The
Content-Type is ``accept`` when given (older library versions sent it so;
newer ones ignored it with a warning, which left scripts passing it for
nothing), else ``mimetype`` (text types get "; charset=utf-8", as Werkzeug
adds), else a Content-Type in ``headers``, else application/json.
``status`` may be an int or "200 OK"; the body a str, bytes or an iterable
of them.  Not covered: the Flask app (``Worker``) and ``Request``.
"""
from hookhost import _sagemaker_compat as _shared
from hookhost.response import Response as _HookhostResponse

from sagemaker_containers import _content_types


class Response(_HookhostResponse):
    """A Flask-style response for output_fn / transform_fn."""

    default_mimetype = _content_types.JSON

    def __init__(self, response=None, accept=None, status=200, headers=None, mimetype=None,
                 direct_passthrough=False):
        headers = list(headers.items()) if hasattr(headers, "items") else list(headers or [])
        header_type = next((value for name, value in headers if name.lower() == "content-type"), None)
        if accept:
            content_type = accept
        elif mimetype:
            content_type = _shared.mimetype_content_type(mimetype)
        else:
            content_type = header_type or self.default_mimetype
        super().__init__(_shared.body_bytes(response), status=_shared.status_number(status),
                         content_type=content_type, headers=headers)
        self.direct_passthrough = direct_passthrough

    @property
    def mimetype(self):
        """The Content-Type without parameters."""
        content_type = self.content_type or ""
        return content_type.split(";", 1)[0].strip()

    @property
    def data(self):
        return self.body

    def get_data(self, as_text=False):
        return self.body.decode("utf-8", "replace") if as_text else self.body
