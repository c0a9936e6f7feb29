"""Media type names hookhost's default codecs know, and how a header names one.

The default input_fn and output_fn pick a codec by *media type*: the part of a
Content-Type (or an Accept entry) before any ';', with spaces and tabs around
it removed, lower-cased.  So ``Application/JSON; charset=utf-8`` selects the
JSON codec (the SageMaker reference compared the raw header and did not).
"""

JSON = "application/json"
CSV = "text/csv"
NPY = "application/x-npy"
JSONLINES = "application/jsonlines"
ANY = "*/*"

# Types whose request body reaches input_fn as str (UTF-8, invalid bytes
# replaced); every other type arrives as bytes.
UTF8_TYPES = (JSON, CSV)

# What the default output_fn writes in the Content-Type of its answer.
RESPONSE_CONTENT_TYPES = {
    JSON: "application/json",
    CSV: "text/csv; charset=utf-8",
    NPY: "application/x-npy",
    JSONLINES: "application/jsonlines",
}

# HTTP's optional whitespace; Python's str.strip() would strip more.
_OWS = " \t"


def media_type(value):
    """Returns the media type of a Content-Type/Accept value.

    That is the text before the first ';', stripped of spaces and tabs and
    lower-cased (ASCII only).  None gives ''.  Nothing is validated: a value
    that is not a media type simply matches none of the constants above.
    """
    if value is None:
        return ""
    if isinstance(value, (bytes, bytearray)):
        value = bytes(value).decode("latin-1")
    return _ascii_lower(value.split(";", 1)[0].strip(_OWS))


def _ascii_lower(text):
    # str.lower() also folds non-ASCII letters (and 'K' KELVIN SIGN to 'k');
    # HTTP tokens are ASCII, and a C implementation lowers ASCII only.
    return text.translate(_LOWER)


_LOWER = {code: code + 32 for code in range(ord("A"), ord("Z") + 1)}
