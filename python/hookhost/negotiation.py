"""Accept negotiation for the default output_fn (CONTRACT.md section 4).

This module is the specification src/negotiate.c must match, rule for rule.
``negotiate(accept_header, supported, default)`` returns one entry of
``supported`` or raises NotAcceptable (406).  "Whitespace" below means space
and tab only; "lower-cased" means ASCII letters only.

1. Default.  When the header is None, or after splitting it on ',' and
   stripping each element its only non-empty elements are none or a single
   ``*/*``, the header is replaced by ``default``.  If that is blank or
   ``*/*`` too, the header is ``*/*``.

2. Elements.  The header is split on every ',' (quoted strings get no special
   treatment).  Each element is numbered by its position in that split, from
   0.  An element is split on ';': the first piece, stripped and lower-cased,
   is its media range; a range of exactly ``*`` (sent by old Java clients)
   means ``*/*``.  Empty elements are skipped.

3. Weights.  Each later piece is ``name=value`` with whitespace stripped
   around name and value; the first piece whose name lower-cases to ``q`` is
   the weight, and all other parameters are ignored (they neither restrict
   nor make a range more specific).  A weight is written ``D*[.D*]`` with at
   least one digit (so ``1``, ``0.5``, ``.5``, ``1.`` are valid) and is read
   as an integer number of thousandths: integer part x 1000 plus the first
   three fractional digits (padded with zeros, later digits dropped, not
   rounded), capped at 1000.  No q means 1000.  An element whose q is anything
   else (empty, negative, ``abc``, ``1e-3``) is skipped as a whole.

4. Matching.  A range matches a supported type T when it equals T, or is
   ``<type of T>/*``, or is ``*/*``; nothing else matches (``*/json`` matches
   nothing).  For each T the most specific matching element decides (exact,
   then ``type/*``, then ``*/*``); among equally specific ones the first in
   the header.  T gets that element's weight and position.  A weight of 0
   excludes T, even when a less specific range would accept it.

5. Choice.  Among types with weight > 0: the highest weight wins; ties go to
   the lower position (earlier in the header); remaining ties (one wildcard
   matched several types) go to the media type of ``default`` if it is among
   them, else to the first in ``supported`` order.

6. No type with weight > 0: NotAcceptable naming the header and the
   supported types.
"""

import re

from .content_types import CSV, JSON, JSONLINES, NPY, media_type, _ascii_lower
from .errors import NotAcceptable

SUPPORTED = (JSON, CSV, NPY, JSONLINES)

_OWS = " \t"
_QVALUE = re.compile(r"([0-9]*)(?:\.([0-9]*))?\Z", re.ASCII)


def negotiate(accept_header, supported=SUPPORTED, default=JSON):
    """Returns the entry of ``supported`` the Accept header prefers most.

    Raises NotAcceptable when the header accepts none of them.  See the
    module docstring for the exact rules.
    """
    header = _text(accept_header)
    if _means_default(header):
        header = _text(default)
        if _means_default(header):
            header = "*/*"
    ranges = _parse(header)
    default_type = media_type(default)

    best_key, best = None, None
    for order, offered in enumerate(supported):
        weight, position = _weigh(media_type(offered), ranges)
        if weight <= 0:
            continue
        key = (-weight, position, media_type(offered) != default_type, order)
        if best_key is None or key < best_key:
            best_key, best = key, offered
    if best is None:
        raise NotAcceptable("none of the types in the Accept header %r can be produced; "
                            "the default output_fn produces %s (implement output_fn for other types)"
                            % (header, ", ".join(supported)))
    return best


def parse_qvalue(text):
    """Returns a q value in thousandths (0-1000), or None when it is invalid."""
    match = _QVALUE.match(text)
    if match is None:
        return None
    whole, fraction = match.group(1), match.group(2) or ""
    if not whole and not fraction:
        return None
    if whole.strip("0"):
        return 1000
    return int((fraction + "000")[:3])


def _text(value):
    if value is None:
        return ""
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("latin-1")
    return value


def _means_default(header):
    elements = [element.strip(_OWS) for element in header.split(",")]
    elements = [element for element in elements if element]
    return not elements or elements == ["*/*"]


def _parse(header):
    """The header's usable elements as (position, range, weight) triples."""
    ranges = []
    for position, element in enumerate(header.split(",")):
        pieces = element.split(";")
        media_range = _ascii_lower(pieces[0].strip(_OWS))
        if not media_range:
            continue
        if media_range == "*":
            media_range = "*/*"
        weight = 1000
        for parameter in pieces[1:]:
            name, _, value = parameter.partition("=")
            if _ascii_lower(name.strip(_OWS)) == "q":
                weight = parse_qvalue(value.strip(_OWS))
                break
        if weight is not None:
            ranges.append((position, media_range, weight))
    return ranges


def _weigh(offered, ranges):
    """(weight, position) of the element deciding for ``offered``; (0, 0) when none matches."""
    kind = offered.split("/", 1)[0]
    decider = None
    for position, media_range, weight in ranges:
        if media_range == offered:
            specificity = 2
        elif media_range == kind + "/*":
            specificity = 1
        elif media_range == "*/*":
            specificity = 0
        else:
            continue
        if decider is None or specificity > decider[0]:
            decider = (specificity, weight, position)
    if decider is None:
        return 0, 0
    return decider[1], decider[2]
