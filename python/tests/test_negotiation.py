"""content_types.media_type and negotiation.negotiate: the rules src/negotiate.c must match."""
import pytest

from hookhost import content_types
from hookhost.content_types import CSV, JSON, JSONLINES, NPY
from hookhost.errors import NotAcceptable
from hookhost.negotiation import negotiate, parse_qvalue


@pytest.mark.parametrize("value, expected", [
    ("application/json", JSON),
    ("Application/JSON; charset=utf-8", JSON),
    ("  text/csv\t;header=present", CSV),
    ("TEXT/CSV", CSV),
    ("application/x-npy;", NPY),
    ("", ""),
    (None, ""),
    (b"Application/JSON", JSON),
    ("\u212a/x", "\u212a/x"),  # KELVIN SIGN is not ASCII: not lowered
    (" text/html ; q=1", "text/html"),
])
def test_media_type(value, expected):
    assert content_types.media_type(value) == expected


def test_constants():
    assert (JSON, CSV, NPY, JSONLINES, content_types.ANY) == (
        "application/json", "text/csv", "application/x-npy", "application/jsonlines", "*/*")
    assert content_types.UTF8_TYPES == (JSON, CSV)
    assert content_types.RESPONSE_CONTENT_TYPES == {
        JSON: "application/json", CSV: "text/csv; charset=utf-8",
        NPY: "application/x-npy", JSONLINES: "application/jsonlines"}


@pytest.mark.parametrize("header", [None, "", "  ", "\t", "*/*", " */* ", ",", " , ,", "*/*,", ", */* ,",
                                    b"*/*"])
def test_empty_or_any_header_gives_default(header):
    assert negotiate(header) == JSON
    assert negotiate(header, default=CSV) == CSV
    assert negotiate(header, default="application/x-npy; q=1") == NPY


def test_default_that_is_not_supported():
    with pytest.raises(NotAcceptable):
        negotiate("", default="text/html")
    with pytest.raises(NotAcceptable):
        negotiate("*/*", default="text/html")
    # a blank default means */*: supported order
    assert negotiate("", default="") == JSON
    assert negotiate(None, default=None) == JSON
    assert negotiate("", default="*/*", supported=(CSV, JSON)) == CSV
    # a wildcard with an unsupported default falls back to supported order
    assert negotiate("application/*", default="text/html") == JSON


@pytest.mark.parametrize("header, expected", [
    ("application/json", JSON),
    ("text/csv", CSV),
    ("application/x-npy", NPY),
    ("application/jsonlines", JSONLINES),
    ("TEXT/CSV; charset=utf-8", CSV),
    ("text/html, text/csv", CSV),
    (b"text/csv", CSV),
])
def test_exact_types(header, expected):
    assert negotiate(header) == expected


@pytest.mark.parametrize("header, expected", [
    ("text/csv;q=0.5, application/json;q=0.9", JSON),
    ("application/json;q=0.5, text/csv", CSV),
    ("application/json;q=0.5, text/csv;q=0.6, application/x-npy;q=0.55", CSV),
    ("text/csv;q=1, application/json;q=1", CSV),
    ("application/json, text/csv", JSON),
    ("text/csv;q=0.5, application/json;q=0.5", CSV),
    ("application/json;q=0.5, text/csv;q=0.5", JSON),
    ("application/x-npy;q=0.001, text/html", NPY),
    ("text/csv ; q = 0.7 , application/json ; Q=0.6", CSV),
    ("text/csv;charset=utf-8;q=0.9, application/json;q=0.8", CSV),
    ("text/csv;q=0.1;q=1, application/json;q=0.5", JSON),   # the first q counts
    ("text/csv;level=1, application/json;q=0.9", CSV),
])
def test_weights_and_ties(header, expected):
    assert negotiate(header) == expected


@pytest.mark.parametrize("header, expected", [
    ("application/json;q=0, */*", CSV),
    ("application/json;q=0, text/csv;q=0, */*", NPY),
    ("*/*;q=0, text/csv", CSV),
    ("application/*;q=0, text/*", CSV),
    ("application/json;q=0.000, application/*", NPY),
    ("text/csv;q=0.0005, */*;q=0.1", JSON),   # thousandths are truncated: 0.0005 is 0
])
def test_q_zero_excludes(header, expected):
    assert negotiate(header) == expected


@pytest.mark.parametrize("header", [
    "application/json;q=0",
    "application/json;q=0, text/csv;q=0.0, application/x-npy;q=0, application/jsonlines;q=0",
    "*/*;q=0",
    "text/html",
    "image/*",
    "*/json",
    "application/json;q=abc",
    "json",
    "application/json;q=0, application/json",   # the first of equally specific ranges decides
])
def test_not_acceptable(header):
    with pytest.raises(NotAcceptable) as raised:
        negotiate(header)
    assert raised.value.status_code == 406
    assert repr(header) in raised.value.message
    assert "application/json, text/csv, application/x-npy, application/jsonlines" in raised.value.message


@pytest.mark.parametrize("header, default, expected", [
    ("application/*", JSON, JSON),
    ("application/*", NPY, NPY),
    ("application/*", JSONLINES, JSONLINES),
    ("application/*", CSV, JSON),           # default not matched: supported order
    ("text/*", JSON, CSV),
    ("*", JSON, JSON),                      # old Java clients send a bare *
    ("*", CSV, CSV),
    ("*/*;q=0.5", NPY, NPY),
    ("*/*;q=0.5, text/csv;q=0.5", CSV, JSON),   # position beats the default
    ("text/csv;q=0.5, */*;q=0.5", JSON, CSV),
    ("*/*;q=0.9, text/csv;q=0.1", JSON, JSON),
    ("*/*;q=0.1, text/csv;q=0.9", JSON, CSV),
    ("text/csv;q=0.1, */*;q=0.5", JSON, JSON),  # the exact range decides csv's weight
    ("application/*;q=0.1, application/x-npy;q=0.2", JSON, NPY),
    ("application/x-npy;q=0.2, application/*;q=0.3", JSON, JSON),
    ("application/*;q=0.5, */*;q=0.9", JSON, CSV),   # type/* is more specific than */*
    ("text/html, image/gif, image/jpeg, *; q=.2, */*; q=.2", JSON, JSON),
    ("Application/*", NPY, NPY),
])
def test_wildcards(header, default, expected):
    assert negotiate(header, default=default) == expected


def test_invalid_q_skips_the_element():
    assert negotiate("text/csv;q=abc, application/json;q=0.1") == JSON
    assert negotiate("text/csv;q=, application/json;q=0.1") == JSON
    assert negotiate("text/csv;q=-1, application/json;q=0.1") == JSON
    assert negotiate("text/csv;q=1e-3, application/json;q=0.1") == JSON
    assert negotiate("text/csv;q=0.5;q=abc, application/json;q=0.1") == CSV   # only the first q counts
    assert negotiate("text/csv;charset, application/json;q=0.1") == CSV      # no '=': not a q


@pytest.mark.parametrize("text, thousandths", [
    ("1", 1000), ("0", 0), ("0.5", 500), (".5", 500), ("1.", 1000), ("1.000", 1000),
    ("0.123", 123), ("0.1239", 123), ("0.9999", 999), ("0.0005", 0), ("2", 1000), ("1.5", 1000),
    ("00001", 1000), ("000.25", 250), ("0." + "9" * 5000, 999), ("9" * 5000, 1000), ("0.05", 50),
    ("", None), (".", None), ("abc", None), ("-1", None), ("+1", None), ("1e-3", None), ("0,5", None),
    ("0.5.", None), ("\u0661", None), (" 1", None),
])
def test_parse_qvalue(text, thousandths):
    assert parse_qvalue(text) == thousandths


def test_custom_supported_list():
    assert negotiate("*/*", supported=(CSV, JSON), default="text/plain; q=1, text/*") == CSV
    assert negotiate("*/*;q=1", supported=(CSV, JSON), default="text/plain") == CSV
    assert negotiate("application/*, text/*", supported=(CSV, JSON), default="text/plain") == JSON
    with pytest.raises(NotAcceptable) as raised:
        negotiate("application/json", supported=(CSV,))
    assert "text/csv" in raised.value.message and "application/x-npy" not in raised.value.message
    # the entry comes back as given
    assert negotiate("text/csv", supported=("Text/CSV",)) == "Text/CSV"
