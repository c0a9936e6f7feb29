#!/usr/bin/python3
"""Differential cases for src/negotiate.c from python/hookhost/negotiation.py.

Writes tests/unit/fixtures/negotiate/cases.txt (or stdout with --out -): one
case per line, three fields separated by a tab,

  HEADER <TAB> DEFAULT <TAB> EXPECTED

where HEADER and DEFAULT are escaped (backslash, tab, newline as \\\\, \\t,
\\n; "\\N" alone means None) and EXPECTED is the media type
negotiation.negotiate(HEADER, default=DEFAULT) returns, or 406.
tests/unit/test_negotiate.c checks every line against
accept_negotiate_default(), and against accept_negotiate() when DEFAULT is
one of our types, blank or */*.  Rerun after changing negotiation.py:

  /usr/bin/python3 tests/unit/gen_negotiate_cases.py
"""
import argparse
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "python"))

from hookhost.errors import NotAcceptable  # noqa: E402
from hookhost.negotiation import negotiate  # noqa: E402

RANGES = [
    "application/json", "APPLICATION/JSON", "Application/Json", "text/csv", "TEXT/CSV", "text/*", "Text/*",
    "application/*", "*/*", "*", "application/x-npy", "application/jsonlines", "text/html", "image/*",
    "*/json", "json", "", " ", "text/", "/csv", "application/json/x", "application/jsonx", "text/csv2",
    "application / json", "*/", "**", "application/x-NPY",
]
PARAMETERS = [
    "q=0", "q=1", "q=0.5", "q=.5", "q=0.0005", "q=0.001", "q=0.999", "q=1.5", "q=2", "q=00.25", "q=abc",
    "q=", "q", "Q=0.3", " q = 0.7 ", "q=1.", "q=0.", "q=-1", "q=+1", "q=1e-3", "q=0,5", "q=.", "q=0.1239",
    "charset=utf-8", "level=1", "charset", "q=0.2;q=0.9", "qq=0.1", "=", "",
]
SEPARATORS = [",", ", ", " ,", ",,", " , ", ",\t"]
DEFAULTS = [
    "application/json", "text/csv", "application/x-npy", "application/jsonlines", "*/*", "", None,
    "text/html", "application/x-npy; q=1", "text/plain; q=1, text/*", "TEXT/CSV", "application/*",
]
HAND_MADE = [
    None, "", "  ", "\t", "*/*", " */* ", ",", " , ,", "*/*,", ", */* ,", "*/*, */*", "*/*;q=1",
    "application/json;q=0, */*", "application/json;q=0, text/csv;q=0, */*", "*/*;q=0, text/csv",
    "application/*;q=0, text/*", "application/json;q=0.000, application/*", "text/csv;q=0.0005, */*;q=0.1",
    "text/html, image/gif, image/jpeg, *; q=.2, */*; q=.2", "application/json;q=0, application/json",
    "text/csv;q=0.1;q=1, application/json;q=0.5", "text/csv;charset, application/json;q=0.1",
    "text/csv;q, application/json;q=0.1", "'quoted', \"double\"", "it's", "a\\b", "caf\u00e9/latte",
]


def escape(value):
    if value is None:
        return "\\N"
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def random_header(rng):
    elements = []
    for _ in range(rng.randint(1, 5)):
        element = rng.choice(RANGES)
        for _ in range(rng.choice((0, 0, 1, 1, 2))):
            element += rng.choice((";", "; ", " ;")) + rng.choice(PARAMETERS)
        elements.append(element)
    header = elements[0]
    for element in elements[1:]:
        header += rng.choice(SEPARATORS) + element
    return header


def expected(header, default):
    try:
        return negotiate(header, default=default)
    except NotAcceptable:
        return "406"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=os.path.join(HERE, "fixtures", "negotiate", "cases.txt"))
    parser.add_argument("--count", type=int, default=1500, help="random headers")
    parser.add_argument("--seed", type=int, default=20261121)
    arguments = parser.parse_args()
    rng = random.Random(arguments.seed)

    cases = [(header, default) for header in HAND_MADE for default in DEFAULTS[:8]]
    cases += [(random_header(rng), rng.choice(DEFAULTS)) for _ in range(arguments.count)]
    lines = ["%s\t%s\t%s\n" % (escape(header), escape(default), expected(header, default))
             for header, default in cases]
    if arguments.out == "-":
        sys.stdout.writelines(lines)
    else:
        os.makedirs(os.path.dirname(arguments.out), exist_ok=True)
        with open(arguments.out, "w", encoding="utf-8", newline="\n") as out:
            out.writelines(lines)


if __name__ == "__main__":
    main()
