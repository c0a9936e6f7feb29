"""sagemaker_inference utils (hookhost compatibility): the request helpers scripts use."""
import re

CONTENT_TYPE_REGEX = re.compile("^[Cc]ontent-?[Tt]ype")


def read_file(path, mode="r"):
    """The contents of a file."""
    with open(path, mode) as handle:
        return handle.read()


def write_file(path, data, mode="w"):
    """Writes data to a file."""
    with open(path, mode) as handle:
        handle.write(data)


def retrieve_content_type_header(request_property):
    """The value of the first Content-Type / ContentType / content-type key, or None."""
    for key in request_property:
        if CONTENT_TYPE_REGEX.match(key):
            return request_property[key]
    return None


def parse_accept(accept):
    """The media types of an Accept header, spaces removed, split on ','."""
    return accept.replace(" ", "").split(",")


def remove_crlf(illegal_string):
    """The string with CR and LF replaced by spaces."""
    return illegal_string.replace("\r", " ").replace("\n", " ")
