"""decoders.decode_csv: the CSV grammar, squeeze rule and error messages codec_csv.c must match."""
import math

import numpy as np
import pytest

from hookhost.decoders import decode, decode_csv
from hookhost.errors import BadRequest


def check(body, expected):
    result = decode(body, "text/csv")
    expected = np.asarray(expected, dtype=np.float32)
    assert result.dtype == np.float32
    assert result.shape == expected.shape
    np.testing.assert_array_equal(result, expected)


def error(body):
    with pytest.raises(BadRequest) as raised:
        decode_csv(body)
    assert raised.value.status_code == 400
    return raised.value.message


@pytest.mark.parametrize("body, expected", [
    ("1,2,3", [1, 2, 3]),                         # one row -> 1-D
    ("1,2,3\n", [1, 2, 3]),
    ("1\n2\n3", [1, 2, 3]),                       # one column -> 1-D
    ("1\n2\n3\n", [1, 2, 3]),
    ("5", 5),                                     # one value -> 0-d
    ("5\n", 5),
    ("1,2\n3,4", [[1, 2], [3, 4]]),               # else 2-D
    ("1,2\n3,4\n5,6\n", [[1, 2], [3, 4], [5, 6]]),
])
def test_squeeze(body, expected):
    check(body, expected)


def test_line_endings():
    check("1,2\r\n3,4\r\n", [[1, 2], [3, 4]])
    check("1,2\r\n3,4", [[1, 2], [3, 4]])
    check("1,2\n3,4\r\n\r\n", [[1, 2], [3, 4]])
    check("7\r", 7)


def test_blank_and_comment_lines():
    check("# a header comment\n1,2\n\n   \n\t\n  # indented comment\n3,4\n#,x,y\n", [[1, 2], [3, 4]])
    check("\n\n1,2\n", [1, 2])
    check("\ufeff1,2\n3,4", [[1, 2], [3, 4]])   # a leading byte order mark is ignored


def test_quotes_and_spaces():
    check('"1","2"\n"3", "4"', [[1, 2], [3, 4]])
    check(' 1 ,\t2\t, 3', [1, 2, 3])
    check('" 1 " , "\t2"', [1, 2])
    check('"1"  ,2', [1, 2])
    check('  "1.5e3"  ', 1500)


@pytest.mark.parametrize("field, value", [
    ("0", 0.0), ("-0", -0.0), ("+1", 1.0), ("1.", 1.0), (".5", 0.5), ("-.5", -0.5), ("1.25", 1.25),
    ("1e5", 1e5), ("1E-5", 1e-5), ("+1.5e+3", 1500.0), ("007", 7.0), ("1e39", math.inf), ("-1e39", -math.inf),
    ("1e-50", 0.0), ("3.4028235e38", 3.4028235e38), ("1e400", math.inf),
    ("nan", math.nan), ("NaN", math.nan), ("-nan", math.nan), ("+NAN", math.nan),
    ("inf", math.inf), ("-Inf", -math.inf), ("+INFINITY", math.inf), ("Infinity", math.inf),
])
def test_number_grammar_accepts(field, value):
    result = decode_csv("%s,%s" % (field, field))
    expected = np.float32(value)
    assert result.dtype == np.float32 and result.shape == (2,)
    if math.isnan(value):
        assert np.isnan(result).all()
    else:
        assert result[0] == expected and math.copysign(1, result[0]) == math.copysign(1, expected)


def test_negative_zero_and_nan_sign():
    assert math.copysign(1.0, decode_csv("-0")) == -1.0
    assert np.signbit(decode_csv("-nan")) and not np.signbit(decode_csv("nan"))


def test_double_then_float32_rounding():
    # Just above the float32 halfway point 1 + 2**-24.  Read as a double it
    # becomes exactly the halfway point, which float32 rounds to even: 1.0.
    # (Rounding the decimal straight to float32 would give 1 + 2**-23.)
    assert decode_csv("1.0000000596046447753906251") == np.float32(1.0)
    assert decode_csv("0.1") == np.float32(0.1)
    assert decode_csv("16777217") == np.float32(16777216)


@pytest.mark.parametrize("field", [
    "1_0", "0x10", "1e", "e5", ".", "-", "+", "1.2.3", "infinit", "nana", "infinityy", "\u0661", "1 2",
    "1d", "1f", "--1", "1e+", "1e5.5", "i nf", "nan(1)", "\u00a01", "1\u00a0", "١٢", "\u2212" "1", "1e1_0",
])
def test_number_grammar_refuses(field):
    message = error("1,%s" % field)
    assert message.startswith("line 1 column 2: ") and "not a number" in message


def test_empty_fields():
    assert error("1,,2") == "line 1 column 2: empty field"
    assert error("1,2,") == "line 1 column 3: empty field"
    assert error(",1") == "line 1 column 1: empty field"
    assert error('1,""') == "line 1 column 2: empty field"
    assert error('1, " " ') == "line 1 column 2: empty field"
    assert error("1,2\n , ") == "line 2 column 1: empty field"


def test_quote_errors():
    assert error('"1') == "line 1 column 1: quoted field is not closed on its line"
    assert error('1,"2\n3"') == "line 1 column 2: quoted field is not closed on its line"
    assert error('"1"x,2') == "line 1 column 1: unexpected text after the closing quote"
    assert error('1,"2" 3') == "line 1 column 2: unexpected text after the closing quote"
    assert "not a number" in error('"1""",2')      # "" is a literal quote: '1"'
    assert "not a number" in error('1"2",3')       # quotes inside an unquoted field are text
    assert "not a number" in error('""""')


def test_ragged_rows():
    assert error("1,2\n3") == "line 2 column 2: this row has 1 fields but line 1 has 2"
    assert error("1,2\n3,4,5") == "line 2 column 3: this row has 3 fields but line 1 has 2"
    assert error("# c\n1,2\n\n3") == "line 4 column 2: this row has 1 fields but line 2 has 2"
    assert error("1\r\n2\r\n3,4\r\n") == "line 3 column 2: this row has 2 fields but line 1 has 1"


def test_bad_field_reported_before_row_length():
    assert error("1,2\n3,x,5") == "line 2 column 2: 'x' is not a number"
    assert error("1,2\n3,4,x") == "line 2 column 3: 'x' is not a number"


def test_line_numbers_count_every_line():
    assert error("# head\n\n1,2\n3,abc\n") == "line 4 column 2: 'abc' is not a number"
    assert error("1,2\r\n3,4\r\nx,5\r\n").startswith("line 3 column 1: ")


def test_other_characters_are_text():
    assert error("1,2\r3,4") == "line 1 column 2: '2\\r3' is not a number"   # a lone CR is not a line break
    assert "not a number" in error("1;2")
    assert "not a number" in error("1\v")
    assert error("1 # trailing comment").startswith("line 1 column 1: ")


def test_long_bad_field_is_shortened():
    message = error("1" + "x" * 100)
    assert message.endswith("...' is not a number") and len(message) < 100


@pytest.mark.parametrize("body", ["", "\n", "# only a comment\n", "\n \n\t\n", "\ufeff"])
def test_no_data(body):
    message = error(body)
    assert "empty" in message or "no data rows" in message


def test_bytes_body():
    check(b"1,2\n3,4\n", [[1, 2], [3, 4]])
    assert "not a number" in error(b"1,\xff")


def test_content_type_parameters():
    assert decode("1,2", "Text/CSV; charset=utf-8; header=absent").shape == (2,)


def test_large_body_shape():
    rows = "\n".join(",".join(str(i * 10 + j) for j in range(10)) for i in range(1000))
    result = decode_csv(rows)
    assert result.shape == (1000, 10) and result[999, 9] == 9999
