#!/usr/bin/python3
"""Writes the JSON, JSON Lines and CSV codec fixtures from the Python reference.

Run with Debian's /usr/bin/python3 (it needs numpy); the output is committed,
so re-run only to change cases.  Every expectation is what
python/hookhost/decoders.py and encoders.py (the specification of
src/codec_json.c and src/codec_csv.c) answer with the installed numpy:

  fixtures/json/{valid,invalid,declined}/NAME/      hand-made JSON bodies
  fixtures/json/lines/{valid,invalid,declined}/NAME/  hand-made JSON Lines bodies
  fixtures/csv/{valid,invalid,declined}/NAME/       hand-made CSV bodies
      input      the body, bytes as sent
      expected   (valid) the shape as Python prints it, then one float32 per
                 line: its bits in hex, a space, its value
      error      (invalid) the reference's BadRequest message, exactly
      (declined) only input: the fast path must answer ERR_DECLINED, leaving
                 the body to the Python default

  fixtures/json/generated.cases, fixtures/csv/generated.cases
      random cases, one record after another:
        decode MODE LENGTH\\n BODY\\n           MODE json, jsonlines or csv
          ok SHAPE HEX...\\n                   SHAPE as "(2,3)" (no spaces)
        | error LENGTH\\n MESSAGE\\n
        encode MODE DTYPE ORDER SHAPE HEXDATA\\n   DTYPE numpy's dtype.str (<f4),
          ok LENGTH\\n BYTES\\n                     ORDER C or F, data in that order
        | error NotAcceptable\\n

The random bodies avoid what the fast paths decline by design (string escapes
and non-ASCII text, underscores in strings, more than 32 nested lists,
integers beyond the double range), so every generated case must be decided
by the C code itself.
"""
import argparse
import io
import json
import os
import random
import re
import shutil
import struct
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', '..', 'python'))

from hookhost import decoders, encoders  # noqa: E402
from hookhost.errors import BadRequest, NotAcceptable  # noqa: E402

FIXTURES = os.path.join(HERE, 'fixtures')

# ---------------------------------------------------------------------------
# Hand-made cases: (name, body).  The reference decides valid or invalid.
# ---------------------------------------------------------------------------

W62 = 2**62 + 2**38 + 1   # one rounding to float32 and two differ
U63 = 2**63 + 2**39 + 1   # the same, in uint64's range

JSON_CASES = [
    ('contract_ints', '[42, 6, 9]'),
    ('contract_strings', '["42","6","9"]'),
    ('scalar_int', '42'),
    ('scalar_float', '1.5'),
    ('scalar_string', '"42"'),
    ('scalar_null', 'null'),
    ('scalar_true', 'true'),
    ('scalar_nan_token', 'NaN'),
    ('scalar_minus_infinity', '-Infinity'),
    ('matrix', '[[1, 2, 3], [4, 5, 6]]'),
    ('cube', '[[[1, 2], [3, 4]], [[5, 6], [7, 8]]]'),
    ('empty_list', '[]'),
    ('empty_rows', '[[], []]'),
    ('empty_deep', '[[[]]]'),
    ('dims_32', '[' * 32 + '7' + ']' * 32),
    ('dims_32_empty', '[' * 32 + ']' * 32),
    ('nan_infinity_tokens', '[NaN, Infinity, -Infinity]'),
    ('null_in_list', '[1, null, 3]'),
    ('null_in_matrix', '[[1, 2], [3, null]]'),
    ('bools', '[true, false]'),
    ('bools_and_ints', '[true, 2]'),
    ('bools_and_floats', '[false, 2.5]'),
    ('ints_and_floats', '[1, 2.5, -3]'),
    ('minus_zero_int', '[-0]'),
    ('minus_zero_float', '[-0.0]'),
    ('float32_max', '[3.4028234663852886e38, -3.4028234663852886e38]'),
    ('float32_overflow', '[3.4028235677973366e38, 1e39, -1e300, 1e400]'),
    ('float32_subnormals', '[1.401298464324817e-45, 7.006492321624085e-46, 7.1e-46, 1e-46, 1.1754942106924411e-38]'),
    ('float32_boundaries', '[0.0001, 1e16, 9999999999999998.0, 0.00009999999747378752]'),
    ('double_rounding_float', '[1.000000059604644775390625000001]'),
    ('exponent_forms', '[1e5, 1E5, 1e+5, 1E-5, 0e0, -0e-0, 2.5e-3]'),
    ('int_2_24_plus_1', '[16777217, 16777219]'),
    ('wide_int_one_rounding', '[%d]' % W62),
    ('wide_int_with_float_two_roundings', '[%d, 0.5]' % W62),
    ('wide_int_with_string_two_roundings', '[%d, "1"]' % W62),
    ('wide_int_with_null_two_roundings', '[%d, null]' % W62),
    ('uint64_one_rounding', '[%d]' % U63),
    ('uint64_with_bool_one_rounding', '[%d, true]' % U63),
    ('uint64_with_int64_two_roundings', '[%d, 1]' % U63),
    ('uint64_max', '[18446744073709551615]'),
    ('int64_min', '[-9223372036854775808, 1]'),
    ('beyond_uint64_object', '[18446744073709551617, 1]'),
    ('beyond_int64_negative_object', '[-9223372036854775809]'),
    ('huge_int_finite', '[' + '9' * 300 + ']'),
    ('string_spaces', '[" 42 ", "  7"]'),
    ('string_forms', '["+.5", "1.e5", ".5e-3", "-0", "1E5"]'),
    ('string_specials', '["nan", "-nan", "inf", "-Infinity", "inFINity", "+NaN"]'),
    ('string_double_rounding', '["1.000000059604644775390625000001"]'),
    ('strings_and_numbers', '["1", 2, 2.5, -3e2]'),
    ('strings_nested', '[["1", "2"], ["3", "4"]]'),
    ('strings_null_bool_object_dtype', '["1", null, true]'),
    ('whitespace_everywhere', ' \t\r\n[ 1 ,\n\t2\r\n, 3 ] \n'),
    ('no_whitespace', '[[1,2],[3,4]]'),
    ('nested_empty_32', '[' * 31 + '[]' + ']' * 31),
    ('long_digits', '[0.' + '0' * 400 + '1, 1' + '0' * 30 + '.5]'),
]

JSON_INVALID_CASES = [
    ('empty_body', ''),
    ('whitespace_only', ' \n\t'),
    ('trailing_comma', '[1,]'),
    ('missing_comma', '[1 2]'),
    ('leading_zero', '01'),
    ('leading_zero_in_list', '[01]'),
    ('bare_point', '1.'),
    ('point_in_list', '[1.]'),
    ('leading_point', '[.5]'),
    ('lone_minus', '[-]'),
    ('plus_sign', '[+1]'),
    ('lowercase_nan', '[nan]'),
    ('minus_nan', '[-NaN]'),
    ('short_literal', 'tru'),
    ('byte_order_mark', '\ufeff[1]'),
    ('extra_data', '[1] x'),
    ('extra_bracket', '[1]]'),
    ('unclosed_list', '[[1]'),
    ('unterminated_string', '["abc'),
    ('control_character_in_string', '["a\tb"]'),
    ('invalid_escape', '["a\\x"]'),
    ('invalid_unicode_escape', '["\\u12"]'),
    ('unicode_escape_at_end', '["\\u1234'),
    ('backslash_at_end', '["\\'),
    ('object_top', '{"a": 1}'),
    ('empty_object', '{}'),
    ('object_in_list', '[1, {"a": [1, 2, {"b": null}]}]'),
    ('object_missing_colon', '[1, {"a" 1}]'),
    ('object_trailing_comma', '[1, {"a": 1,}]'),
    ('object_bare_key', '[1, {a: 1}]'),
    ('ragged_rows', '[[1, 2], [3]]'),
    ('ragged_scalar_then_list', '[1, [2]]'),
    ('ragged_list_then_scalar', '[[1], 2]'),
    ('ragged_empty_then_list', '[[], [[]]]'),
    ('ragged_deep', '[[[1], [2]], [[3], [4, 5]]]'),
    ('ragged_depth', '[[1, 2], [3, [4]]]'),
    ('ragged_before_object', '[[1], [2, 3], {}]'),
    ('ragged_before_bad_string', '[["x"], [2, 3]]'),
    ('syntax_after_ragged', '[[1], [2, 3], x]'),
    ('string_not_number', '["abc"]'),
    ('string_empty', '""'),
    ('string_blank', '["  ", 1]'),
    ('string_hex', '"0x10"'),
    ('string_true', '["True"]'),
    ('string_infinit', '["infinit"]'),
    ('string_quote_repr', '["it\'s"]'),
    ('bool_in_string_array', '["1", true]'),
    ('bool_before_bad_string', '[false, "1", "abc"]'),
    ('bad_string_before_bool', '["abc", true]'),
    ('object_before_bad_string', '[{}, "abc"]'),
    ('bad_string_before_object', '["abc", {}]'),
    ('invalid_utf8_position', b'[1, 2\xe0\x80 x'),
    ('nul_byte', b'[1]\x00'),
]

JSON_DECLINED_CASES = [
    ('string_escapes', '["\\u0034\\u0032"]'),
    ('string_escaped_quote', '["\\"1"]'),
    ('string_non_ascii_digits', '["\u0664\u0662"]'),
    ('string_non_ascii_space', '["\u00a042"]'),
    ('string_underscore', '["1_000"]'),
    ('dims_33', '[' * 33 + '1' + ']' * 33),
    ('nesting_2000', '[' * 2000 + ']' * 2000),
    ('int_beyond_double', '[' + '9' * 400 + ']'),
    ('int_over_python_digit_limit', '[' + '9' * 5000 + ']'),
    ('object_nested_deep', '[{"a": ' + '[' * 70 + ']' * 70 + '}]'),
    ('invalid_utf8_in_string', b'[1, "\xff"]'),
]

JSONLINES_CASES = [
    ('two_rows', '[1, 2]\n[3, 4]\n'),
    ('crlf', '[1, 2]\r\n[3, 4]\r\n'),
    ('no_final_newline', '[1, 2]\n[3, 4]'),
    ('blank_lines', '\n[1, 2]\n \t \n\n[3, 4]\n\r\n'),
    ('one_row', '[1, 2, 3]'),
    ('empty_rows', '[]\n[]\n'),
    ('row_dtypes_independent', '[%d, 1]\n[%d, 0.5]\n' % (W62, W62)),
    ('row_dtypes_independent_2', '[%d, 0.5]\n[%d, 1]\n' % (W62, W62)),
    ('nulls_and_strings', '[1, null]\n["2", "3"]\n'),
    ('tokens', '[NaN, Infinity]\n[-Infinity, -0.0]\n'),
    ('whitespace_inside', '  [ 1 ,2 ] \t\n\t[3,4]\r'),
    ('cr_inside_line', '[1,\r2]\n'),
    ('two_carriage_returns', '[1]\r\r\n'),
]

JSONLINES_INVALID_CASES = [
    ('empty_body', ''),
    ('only_blank', '\n \t\n\r\n'),
    ('scalar_line', '[1]\n2\n'),
    ('object_line', '{"a": 1}\n'),
    ('string_line', '"x"\n'),
    ('bool_line', 'true'),
    ('null_line', 'null'),
    ('nested_line', '[[1, 2]]\n'),
    ('nested_empty_line', '[[]]'),
    ('width_mismatch', '[1, 2]\n\n[3]\n'),
    ('invalid_json_line_3', '[1]\n[2]\n[3,]\n'),
    ('ragged_line', '[[1], [2, 3]]\n'),
    ('bool_in_string_row', '[1, 2]\n["1", true]\n'),
    ('object_in_row', '[1, {}]\n'),
    ('bad_string_in_row', '[1, "x"]\n'),
    ('byte_order_mark', '\ufeff[1]\n'),
    ('extra_data', '[1] [2]\n'),
    ('split_list', '[1,\n2]\n'),
    ('multiline_error_position', '[1, 2]\n[1,   x]\n'),
]

JSONLINES_DECLINED_CASES = [
    ('string_escape', '["\\u0031"]\n'),
    ('dims_33', '[' * 33 + ']' * 33 + '\n'),
]

CSV_CASES = [
    ('one_value', '42\n'),
    ('one_value_no_newline', '42'),
    ('one_row', '1,2,3\n'),
    ('one_column', '1\n2\n3\n'),
    ('matrix', '1,2,3\n4,5,6\n'),
    ('crlf', '1,2\r\n3,4\r\n'),
    ('final_cr_no_lf', '1,2\r'),
    ('quoted', '"1","2"\n"3","4"\n'),
    ('quoted_spaces', '" 1 " , "\t2"  \n'),
    ('quoted_comma_free', '"1",2\n'),
    ('spaces_tabs', ' 1 ,\t2\t, 3\n'),
    ('comments_and_blank_lines', '# header\n\n1,2\n  # indented comment\n \t \n3,4\n#'),
    ('byte_order_mark', '\ufeff1,2\n3,4\n'),
    ('specials', 'nan,inf,-inf,+inf,NaN,INFINITY,-nan,+Infinity\n'),
    ('exponents', '1e5,1E-5,.5,5.,+.5e+3,-0,0e0\n'),
    ('minus_zero', '-0.0,0.0\n'),
    ('float32_limits', '3.4028235e38,3.4028236e38,1e39,1.401298464324817e-45,7.1e-46,1e-46\n'),
    ('double_rounding', '1.000000059604644775390625000001\n'),
    ('long_digits', '0.' + '0' * 400 + '1,' + '1' * 300 + '\n'),
    ('huge_exponent', '1e400,-1e400,1e-400\n'),
    ('many_blank_lines_end', '1,2\n\n\n\n'),
    ('numpy_str_double_rounding', '7.038531e-26,-7.038531e-26\n'),
]

CSV_INVALID_CASES = [
    ('empty_body', ''),
    ('only_comments', '# a\n\n  # b\n'),
    ('byte_order_mark_only', '\ufeff'),
    ('fewer_fields', '1,2\n3\n'),
    ('more_fields', '1,2\n3,4,5\n'),
    ('more_fields_later_line', '1,2\n\n# x\n3,4\n5,6,7\n'),
    ('bad_field_before_count', '1,2\n3,x,5\n'),
    ('empty_field_middle', '1,,2\n'),
    ('empty_field_leading', ',1\n'),
    ('trailing_comma', '1,2,\n'),
    ('only_comma', ','),
    ('blank_field', '1, ,2\n'),
    ('not_a_number', '1,abc\n'),
    ('long_not_a_number', '1,' + 'a' * 50 + '\n'),
    ('exactly_40', 'b' * 40 + '\n'),
    ('number_then_text', '1 2\n'),
    ('exponent_without_digits', '1e,2\n'),
    ('hex', '0x10\n'),
    ('underscore', '1_000\n'),
    ('quote_not_closed', '"1,2\n'),
    ('text_after_quote', '"1"x,2\n'),
    ('doubled_quote', '"1""2"\n'),
    ('empty_quoted', '""\n'),
    ('blank_quoted', '" "\n'),
    ('single_quote_repr', "it's\n"),
    ('both_quotes_repr', 'a\'b"c\n'),
    ('tab_inside', '1\t2\n'),
    ('cr_inside', '1\r2\n'),
    ('two_crs', '1\r\r\n'),
    ('backslash', '1\\2\n'),
    ('nul_byte', '1,\x00\n'),
    ('del_byte', '1,\x7f\n'),
    ('comment_in_field', '1,#2\n'),
    ('mid_quote', '1"2\n'),
    ('quote_at_end', '1,"2\n'),
    ('plus_minus', '+-1\n'),
    ('infinit', 'infinit\n'),
]

CSV_DECLINED_CASES = [
    ('non_ascii_field', '1,\u00e9\n'),
    ('invalid_utf8_field', b'1,\xff\n'),
]


def as_bytes(body):
    return body if isinstance(body, bytes) else body.encode('utf-8')


def shape_text(shape, spaced=True):
    text = repr(tuple(shape))
    return text if spaced else text.replace(' ', '')


def float32_hex(array):
    return ['%08x' % bits for bits in np.ascontiguousarray(array, dtype=np.float32).reshape(-1).view(np.uint32)]


def reference_decode(mode, body):
    decoder = {'json': decoders.decode_json, 'jsonlines': decoders.decode_jsonlines,
               'csv': decoders.decode_csv}[mode]
    try:
        array = decoder(body)
    except BadRequest as exc:
        return None, str(exc)
    assert array.dtype == np.float32, array.dtype
    return array, None


def write_case(directory, name, body, mode, expect):
    """Writes one hand-made case after checking the reference agrees with expect."""
    body = as_bytes(body)
    if expect == 'declined':
        path = os.path.join(directory, 'declined', name)
        os.makedirs(path)
        with open(os.path.join(path, 'input'), 'wb') as handle:
            handle.write(body)
        return
    array, message = reference_decode(mode, body)
    if (array is None) != (expect == 'invalid'):
        raise SystemExit('%s/%s: expected %s, the reference says %s'
                         % (directory, name, expect, message or 'valid'))
    path = os.path.join(directory, expect, name)
    os.makedirs(path)
    with open(os.path.join(path, 'input'), 'wb') as handle:
        handle.write(body)
    if array is None:
        with open(os.path.join(path, 'error'), 'w', encoding='utf-8') as handle:
            handle.write(message + '\n')
        return
    with open(os.path.join(path, 'expected'), 'w', encoding='utf-8') as handle:
        handle.write(shape_text(array.shape) + '\n')
        for bits, value in zip(float32_hex(array), array.reshape(-1)):
            handle.write('%s %r\n' % (bits, float(value)))


def write_hand_made():
    groups = [
        ('json', 'json', JSON_CASES, JSON_INVALID_CASES, JSON_DECLINED_CASES),
        (os.path.join('json', 'lines'), 'jsonlines', JSONLINES_CASES, JSONLINES_INVALID_CASES,
         JSONLINES_DECLINED_CASES),
        ('csv', 'csv', CSV_CASES, CSV_INVALID_CASES, CSV_DECLINED_CASES),
    ]
    for subdir, mode, valid, invalid, declined in groups:
        directory = os.path.join(FIXTURES, subdir)
        for kind in ('valid', 'invalid', 'declined'):
            shutil.rmtree(os.path.join(directory, kind), ignore_errors=True)
        for cases, expect in ((valid, 'valid'), (invalid, 'invalid'), (declined, 'declined')):
            for name, body in cases:
                write_case(directory, name, body, mode, expect)


# ---------------------------------------------------------------------------
# Random cases.
# ---------------------------------------------------------------------------

SPECIAL_FLOATS = [
    0.0, -0.0, float('nan'), float('inf'), -float('inf'),
    1e-4, 0.0001, 0.00009999999747378752, 0.00010000000474974513, 1e16, 9999999999999998.0,
    1.0000000272564224e16, 3.4028234663852886e38, 3.4028235677973366e38, 3.4028236e38,
    1.401298464324817e-45, 7.006492321624085e-46, 1.1754942106924411e-38, 1.1754943508222875e-38,
    5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, 65504.0, 6e-08, 6.103515625e-05,
    0.1, 1 / 3, 2.0**53 + 2, 1e22, 1e23, 123456789.0, 0.5, 1.5, 2.5,
]
SPECIAL_INTS = [
    0, 1, -1, 2**24 + 1, 2**31 - 1, -2**31, 2**53 - 1, 2**53, 2**53 + 1, -2**53 - 1, W62, -W62,
    2**63 - 1, -2**63, 2**63, U63, 2**64 - 1, 2**64, 2**64 + 1, -2**63 - 1, 10**30, -10**40, 2**80 + 1,
]


class Generator:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.numpy_rng = np.random.default_rng(seed)

    # -- JSON bodies -------------------------------------------------------

    def rand_float(self):
        rng = self.rng
        k = rng.random()
        if k < 0.25:
            return struct.unpack('<d', struct.pack('<Q', rng.getrandbits(64)))[0]
        if k < 0.5:
            return float(np.frombuffer(struct.pack('<I', rng.getrandbits(32)), dtype=np.float32)[0])
        if k < 0.7:
            return rng.choice(SPECIAL_FLOATS) * rng.choice([1, -1])
        if k < 0.85:
            return rng.uniform(-1000, 1000)
        return float(rng.randint(-2**64, 2**64)) * rng.choice([1, 0.5, 1e-10, 1e10])

    def rand_int(self):
        rng = self.rng
        k = rng.random()
        if k < 0.4:
            return rng.randint(-1000, 1000)
        if k < 0.6:
            return rng.randint(-2**63, 2**63 - 1)
        if k < 0.7:
            return rng.randint(2**63, 2**64 - 1)
        if k < 0.85:
            return rng.choice(SPECIAL_INTS)
        if k < 0.95:
            return rng.choice([1, -1]) * (2**53 + rng.randint(-5, 5)) * 2**rng.randint(0, 10)
        return rng.randint(-2**90, 2**90)

    def rand_string(self):
        rng = self.rng
        k = rng.random()
        if k < 0.35:
            return repr(self.rand_float())
        if k < 0.6:
            return str(self.rand_int())
        if k < 0.75:
            return rng.choice([' ', '  ', '']) + repr(self.rand_float()) + rng.choice([' ', ''])
        return rng.choice(['', ' ', 'abc', 'True', '1e', ' 5 ', 'nan', '-inf', '+1', '.5', '5.', '0x1',
                           'Infinity', 'inFINITY', '1e999', '-0', '+.5e-3', '1.e5', '--1', 'e5', "it's"])

    def rand_scalar(self, kinds):
        k = self.rng.choice(kinds)
        if k == 'f':
            return self.rand_float()
        if k == 'i':
            return self.rand_int()
        if k == 's':
            return self.rand_string()
        if k == 'b':
            return self.rng.random() < 0.5
        if k == 'n':
            return None
        return {'a': [1, 2]}

    def rand_nested(self, shape, kinds):
        if not shape:
            return self.rand_scalar(kinds)
        return [self.rand_nested(shape[1:], kinds) for _ in range(shape[0])]

    def raggedize(self, value):
        rng = self.rng
        if isinstance(value, list) and value and rng.random() < 0.5:
            i = rng.randrange(len(value))
            if rng.random() < 0.3:
                value[i] = self.rand_scalar('if') if isinstance(value[i], list) else [value[i]]
            elif isinstance(value[i], list) and value[i] and rng.random() < 0.5:
                value[i].pop()
            else:
                value[i] = self.raggedize(value[i])
        return value

    def dumps(self, value):
        rng = self.rng
        text = json.dumps(value)
        if rng.random() < 0.2:
            text = text.replace(', ', rng.choice([',', ' , ', ',\n', ',\t\r\n ']))
        if rng.random() < 0.1:
            text = rng.choice([' ', '\n', '\r\n', '\t']) + text + rng.choice([' ', '\n', '\r\n', '\t', ''])
        return text

    def mutate(self, body):
        rng = self.rng
        body = bytearray(body)
        for _ in range(rng.randint(1, 3)):
            op = rng.random()
            position = rng.randrange(len(body) + 1)
            if op < 0.4 and body:
                del body[min(position, len(body) - 1)]
            elif op < 0.8:
                body[position:position] = bytes([rng.choice(b'[]{},:"0123456789.eE-+ntfuNI \n')])
            elif body:
                body[min(position, len(body) - 1)] = rng.randrange(0x20, 0x7f)
        return bytes(body)

    def json_body(self):
        rng = self.rng
        ndim = rng.choice([0, 1, 1, 2, 2, 3, 4])
        shape = [rng.choice([0, 1, 2, 3]) if rng.random() < 0.2 else rng.randint(1, 6 if ndim < 3 else 3)
                 for _ in range(ndim)]
        kinds = rng.choice(['i', 'f', 'f', 'b', 'if', 'ib', 'fb', 'ifb', 's', 'si', 'sf', 'sb', 'sn', 'n', 'in',
                            'fn', 'ifsbn', 'id', 'sd'])
        value = self.rand_nested(shape, kinds)
        if rng.random() < 0.12:
            value = self.raggedize(value)
        body = self.dumps(value).encode()
        if rng.random() < 0.12:
            body = self.mutate(body)
        return body

    def jsonlines_body(self):
        rng = self.rng
        rows, width = rng.choice([1, 1, 2, 3, 5]), rng.choice([0, 1, 2, 3, 6])
        kinds = rng.choice(['i', 'f', 'if', 'ifb', 's', 'sb', 'ifsbn', 'id'])
        lines = []
        for _ in range(rows):
            length = width if rng.random() < 0.95 else width + 1
            value = self.rand_nested([length], kinds)
            if rng.random() < 0.03:
                value = [value]
            if rng.random() < 0.02:
                value = self.rand_scalar(kinds)
            lines.append(self.dumps(value))
            if rng.random() < 0.1:
                lines.append(rng.choice(['', ' ', '\t', '\r']))
        body = (rng.choice(['\n', '\r\n']).join(lines) + rng.choice(['', '\n', '\r\n'])).encode()
        if rng.random() < 0.1:
            body = self.mutate(body)
        return body

    # -- CSV bodies --------------------------------------------------------

    def csv_number(self):
        rng = self.rng
        k = rng.random()
        if k < 0.3:
            return repr(self.rand_float())
        if k < 0.55:
            return str(np.float32(self.rand_float()))
        if k < 0.65:
            return str(rng.choice([rng.randint(-10**30, 10**30), rng.choice(SPECIAL_INTS)]))
        if k < 0.73:
            return rng.choice(['nan', 'inf', '-inf', 'NaN', '+Infinity', '-nan', '1e', 'e5', '.', '-.5', '5.',
                               '1e-5', '00012', '1.5E+300', 'x', '', ' ', '1 2', '0x10', '1_0', '"', "'"])
        return '%.*g' % (rng.randint(1, 20), rng.uniform(-1e6, 1e6) * 10.0 ** rng.randint(-40, 40))

    def csv_field(self):
        rng = self.rng
        text = self.csv_number()
        k = rng.random()
        if k < 0.1:
            text = '"' + text.replace('"', '""') + '"'
        elif k < 0.14:
            text = '"' + rng.choice([' ', '', '\t']) + text + rng.choice([' ', '']) + '"' + rng.choice(['', ' ', 'x'])
        if rng.random() < 0.1:
            text = rng.choice([' ', '\t', '  ']) + text
        if rng.random() < 0.1:
            text = text + rng.choice([' ', '\t', '  '])
        return text

    def csv_body(self):
        rng = self.rng
        rows, width = rng.choice([1, 1, 2, 3, 8]), rng.choice([1, 1, 2, 3, 6])
        lines = []
        for _ in range(rows):
            length = width if rng.random() < 0.97 else max(1, width + rng.choice([-1, 1]))
            lines.append(','.join(self.csv_field() for _ in range(length)))
            if rng.random() < 0.05:
                lines.append(rng.choice(['', ' ', '#comment', '  # x', '\t']))
        body = rng.choice(['\n', '\r\n']).join(lines) + rng.choice(['', '\n', '\r\n'])
        if rng.random() < 0.03:
            body = '\ufeff' + body
        return body.encode()

    # -- Arrays to encode --------------------------------------------------

    def array(self, max_ndim):
        rng, nrng = self.rng, self.numpy_rng
        dtype = np.dtype(rng.choice(['?', 'i1', 'i2', 'i4', 'i8', 'u1', 'u2', 'u4', 'u8', 'f2', 'f4', 'f4', 'f8', 'f8']))
        if dtype.itemsize > 1 and rng.random() < 0.25:
            dtype = dtype.newbyteorder('>')
        ndim = rng.choice([d for d in [0, 1, 1, 2, 2, 2, 3, 4] if d <= max_ndim])
        shape = tuple(rng.choice([0, 1, 2, 3]) if rng.random() < 0.15 else rng.randint(1, 6 if ndim < 3 else 3)
                      for _ in range(ndim))
        count = int(np.prod(shape))
        native = dtype.newbyteorder('=')
        if dtype.kind == 'b':
            values = nrng.integers(0, 2, count).astype(native)
        elif dtype.kind in 'iu':
            info = np.iinfo(native)
            if rng.random() < 0.3:
                values = np.array([rng.choice([info.min, info.max, 0, 1, info.max // 2]) for _ in range(count)],
                                  dtype=native)
            else:
                values = nrng.integers(info.min, info.max, count, dtype=native, endpoint=True)
        else:
            k = rng.random()
            with np.errstate(all='ignore'):
                if k < 0.35:
                    unsigned = {2: np.uint16, 4: np.uint32, 8: np.uint64}[native.itemsize]
                    values = nrng.integers(0, np.iinfo(unsigned).max, count, dtype=unsigned,
                                           endpoint=True).view(native)
                elif k < 0.7:
                    values = np.array([rng.choice(SPECIAL_FLOATS) * rng.choice([1, -1, 1.0000001, 0.9999999])
                                       for _ in range(count)]).astype(native)
                else:
                    values = (nrng.standard_normal(count) * 10.0 ** nrng.integers(-30, 30, count)).astype(native)
        array = values.astype(dtype).reshape(shape)
        if ndim > 1 and rng.random() < 0.4:
            array = np.asfortranarray(array)
        return array


def decode_record(mode, body):
    array, message = reference_decode(mode, body)
    record = b'decode %s %d\n%s\n' % (mode.encode(), len(body), body)
    if array is None:
        message = message.encode('utf-8')
        return record + b'error %d\n%s\n' % (len(message), message)
    fields = ['ok', shape_text(array.shape, spaced=False)] + float32_hex(array)
    return record + (' '.join(fields) + '\n').encode()


def encode_record(mode, array):
    fortran = array.ndim > 1 and array.flags.f_contiguous and not array.flags.c_contiguous
    data = array.tobytes(order='F' if fortran else 'C')
    dtype = array.dtype.str if array.dtype.itemsize > 1 else '|' + array.dtype.str[1:]
    record = ('encode %s %s %s %s %s\n' % (mode, dtype, 'F' if fortran else 'C',
                                           shape_text(array.shape, spaced=False), data.hex() or '-')).encode()
    encoder = {'json': encoders.encode_json, 'jsonlines': encoders.encode_jsonlines, 'csv': encoders.encode_csv}[mode]
    try:
        expected = encoder(array)
    except NotAcceptable:
        return record + b'error NotAcceptable\n'
    return record + b'ok %d\n%s\n' % (len(expected), expected)


DECLINED_BYTES = re.compile(rb'[\\_\x80-\xff]')


def fast_path_owns(body):
    """False for bodies the fast paths decline by design (see the docstring)."""
    if DECLINED_BYTES.search(body):
        return False
    depth = deepest = 0
    for byte in body:
        if byte == 0x5B:
            depth += 1
            deepest = max(deepest, depth)
        elif byte == 0x5D:
            depth -= 1
    return deepest <= 32 and re.search(rb'\d{300}', body) is None


def write_generated(seed, scale):
    generator = Generator(seed)
    with open(os.path.join(FIXTURES, 'json', 'generated.cases'), 'wb') as handle:
        count = 0
        while count < 2500 * scale:
            body = generator.json_body()
            if fast_path_owns(body):
                handle.write(decode_record('json', body))
                count += 1
        count = 0
        while count < 800 * scale:
            body = generator.jsonlines_body()
            if fast_path_owns(body):
                handle.write(decode_record('jsonlines', body))
                count += 1
        for _ in range(1500 * scale):
            handle.write(encode_record('json', generator.array(4)))
        for _ in range(500 * scale):
            handle.write(encode_record('jsonlines', generator.array(4)))
    with open(os.path.join(FIXTURES, 'csv', 'generated.cases'), 'wb') as handle:
        count = 0
        while count < 2500 * scale:
            body = generator.csv_body()
            if not re.search(rb'[\x80-\xff]', body.replace(b'\xef\xbb\xbf', b'', 1)):
                handle.write(decode_record('csv', body))
                count += 1
        for _ in range(1500 * scale):
            handle.write(encode_record('csv', generator.array(3)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--seed', type=int, default=20240611)
    parser.add_argument('--scale', type=int, default=1, help='multiplies the number of random cases')
    args = parser.parse_args()
    np.seterr(all='ignore')
    write_hand_made()
    write_generated(args.seed, args.scale)


if __name__ == '__main__':
    main()
