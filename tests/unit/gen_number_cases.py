#!/usr/bin/python3
"""Differential cases for src/number_parse.c and src/number_format.c.

Writes one case per line to stdout (or --out), each the input and what Python
and numpy answer for it; tests/unit/test_number.c runs this script and checks
every line against the C functions.  Run with Debian's /usr/bin/python3 (it
needs numpy).  Line kinds, fields separated by one space:

  d BITS64 REPR JSON NUMPY_STR     float64: repr(x), json.dumps(x), str(np.float64(x))
  f BITS32 NUMPY_STR               float32: str(np.float32(x))
  h BITS16 NUMPY_STR               float16: str(np.float16(x)), all 65536 of them
  p CONSUMED BITS64 TEXT           number_parse_double: length of the longest
                                   number prefix (-1: none), float() of it
  i CONSUMED OVERFLOW VALUE TEXT   number_parse_int64 (VALUE saturated) and,
                                   when not overflowing, number_format_int64
  u VALUE                          number_format_uint64

BITS are lowercase hex without 0x.  --count scales the random part; float16 is
always exhaustive, the hand-made boundary cases always included.
"""
import argparse
import json
import math
import random
import re
import struct
import sys
from fractions import Fraction

import numpy as np

NUMBER = re.compile(r'[+-]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|infinity|inf|nan)',
                    re.IGNORECASE)
INTEGER = re.compile(r'[+-]?\d+')


def bits_of(x):
    return struct.unpack('<Q', struct.pack('<d', x))[0]


def double_of(bits):
    return struct.unpack('<d', struct.pack('<Q', bits))[0]


def float32_of(bits):
    return np.frombuffer(struct.pack('<I', bits), dtype=np.float32)[0]


def next_up(x):
    return math.nextafter(x, math.inf)


class Writer:
    def __init__(self, out):
        self.out = out
        self.counts = {}

    def emit(self, kind, *fields):
        self.out.write(kind + ' ' + ' '.join(str(f) for f in fields) + '\n')
        self.counts[kind] = self.counts.get(kind, 0) + 1

    def float64(self, bits):
        x = double_of(bits)
        self.emit('d', '%016x' % bits, repr(x), json.dumps(x), str(np.float64(x)))

    def float32(self, bits):
        self.emit('f', '%08x' % bits, str(float32_of(bits)))

    def parse(self, text):
        match = NUMBER.match(text)
        if match is None:
            self.emit('p', -1, '-', text)
        else:
            self.emit('p', match.end(), '%016x' % bits_of(float(match.group())), text)

    def integer(self, text):
        match = INTEGER.match(text)
        if match is None:
            self.emit('i', -1, 0, 0, text)
            return
        value = int(match.group())
        overflow = not -2 ** 63 <= value < 2 ** 63
        value = max(-2 ** 63, min(2 ** 63 - 1, value))
        self.emit('i', match.end(), int(overflow), value, text)


def float64_cases(w, rng, count):
    for _ in range(count):                  # uniform over bit patterns: every exponent
        w.float64(rng.getrandbits(64))
    for _ in range(count // 4):             # short decimals, the common data
        digits = rng.randint(1, 17)
        x = float('%de%d' % (rng.randrange(10 ** digits), rng.randint(-30, 30)))
        w.float64(bits_of(x))
    for _ in range(count // 8):             # integers and small exponents
        w.float64(bits_of(float(rng.randint(-2 ** 60, 2 ** 60)) * 2.0 ** rng.randint(-10, 10)))
    specials = [0.0, -0.0, math.inf, -math.inf, math.nan, 5e-324, 1e-323, 2.2250738585072009e-308,
                2.2250738585072014e-308, 1.7976931348623157e308, 1e-4, 1e16, 1e15, 1e17, 1e-5,
                0.1, 0.2, 0.3, 1 / 3, 2 / 3, 1e23, 9007199254740992.0, 9007199254740994.0,
                9999999999999998.0, 123456789012345678.0, 1e22, 1e21, 0.5, 1.0, 2.0, 100.0]
    for x in specials:
        w.float64(bits_of(x))
        w.float64(bits_of(-x))
    for x in (1e-4, 1e16, 1e-5, 1e15, 1e17, 1e-3):   # threshold neighbours
        y = x
        for _ in range(5):
            y = math.nextafter(y, 0)
            w.float64(bits_of(y))
        y = x
        for _ in range(5):
            y = next_up(y)
            w.float64(bits_of(y))
    for e in range(-1074, 1024):            # powers of two and their neighbours
        p = math.ldexp(1.0, e)
        w.float64(bits_of(p))
        w.float64(bits_of(next_up(p)))
        if p > 5e-324:
            w.float64(bits_of(math.nextafter(p, 0)))
    for e in range(-325, 309):              # powers of ten and their neighbours
        p = float('1e%d' % e)
        for y in (p, next_up(p), math.nextafter(p, 0)):
            if y != 0 and not math.isinf(y):
                w.float64(bits_of(y))
    for bits in midpoint_neighbours(64, 4000, range(-5, 31)):
        w.float64(bits)


def midpoint_neighbours(float_bits, max_significand, exponents):
    """Floats whose rounding interval ends exactly on a short decimal d*10^k:
    there the inclusive-end rule for even mantissas decides the digits.  Such
    a midpoint is dyadic with more bits than the mantissa, which needs 5^-k
    to divide d when k < 0 and d*5^k >= 2^24 or 2^53, so small k suffice."""
    if float_bits == 64:
        to_float, to_bits = float, bits_of
    else:
        def to_float(x):
            return float(np.float32(float(x)))

        def to_bits(x):
            return struct.unpack('<I', struct.pack('<f', x))[0]
    found = []
    for k in exponents:
        scale = Fraction(10) ** k
        for d in range(1, max_significand):
            if d % 10 == 0:
                continue
            target = d * scale
            x = to_float(target)
            if x == 0 or math.isinf(x):
                continue
            if float_bits == 64:
                lower, upper = math.nextafter(x, 0), next_up(x)
            else:
                lower = float(np.nextafter(np.float32(x), np.float32(0)))
                upper = float(np.nextafter(np.float32(x), np.float32(np.inf)))
            for a, b in ((lower, x), (x, upper)):
                if not math.isinf(b) and (Fraction(a) + Fraction(b)) / 2 == target:
                    found.append(to_bits(a))
                    found.append(to_bits(b))
    return found


def float32_cases(w, rng, count):
    for _ in range(count):
        w.float32(rng.getrandbits(32))
    for _ in range(count // 4):
        digits = rng.randint(1, 9)
        x = np.float32('%de%d' % (rng.randrange(10 ** digits), rng.randint(-30, 29)))
        w.float32(int(x.view(np.uint32)))
    for bits in (0, 1, 2, 0x7f7fffff, 0x00800000, 0x007fffff, 0x7f800000, 0x7fc00000, 0xffc00000):
        w.float32(bits)
        w.float32(bits | 0x80000000)
    for x in ('1e-4', '1e16', '1e-5', '1e15', '1e17', '9.999e-05', '0.1', '16777216', '16777217'):
        base = int(np.float32(x).view(np.uint32))
        for delta in range(-4, 5):
            w.float32(base + delta)
    for exponent in range(0, 255):          # powers of two and their neighbours
        base = exponent << 23
        for delta in (-1, 0, 1):
            if 0 <= base + delta < 0x7f800000:
                w.float32(base + delta)
    for bits in midpoint_neighbours(32, 4000, range(-5, 21)):
        w.float32(bits)


def float16_cases(w):
    halves = np.arange(65536, dtype=np.uint32).astype(np.uint16).view(np.float16)
    for bits, x in enumerate(halves):
        w.emit('h', '%04x' % bits, str(x))


def random_decimal_text(rng):
    kind = rng.random()
    sign = rng.choice(['', '', '-', '+'])
    if kind < 0.25:                          # what repr / str print
        x = double_of(rng.getrandbits(64))
        if math.isnan(x) or math.isinf(x):
            x = 1.5
        text = repr(abs(x)) if rng.random() < 0.7 else str(np.float32(abs(x)) if abs(x) < 3e38 else 1.0)
        return sign + text
    if kind < 0.8:                           # random digits, point, exponent
        ndigits = rng.choice([rng.randint(1, 20), rng.randint(1, 40)])
        digits = ''.join(rng.choice('0123456789') for _ in range(ndigits))
        if rng.random() < 0.2:
            digits = '0' * rng.randint(1, 30) + digits
        point = rng.randint(0, len(digits))
        if rng.random() < 0.6:
            mantissa = digits[:point] + '.' + digits[point:]
            if mantissa == '.':
                mantissa = '0.'
        else:
            mantissa = digits
        exponent = ''
        if rng.random() < 0.7:
            value = rng.choice([rng.randint(-30, 30), rng.randint(-360, 330), rng.randint(-400, 400)])
            exponent = rng.choice('eE') + ('+' if value >= 0 and rng.random() < 0.3 else '') + str(value)
        return sign + mantissa + exponent
    if kind < 0.9:                           # long digit strings
        ndigits = rng.randint(20, 900)
        digits = ''.join(rng.choice('0123456789') for _ in range(ndigits))
        point = rng.randint(0, ndigits)
        return sign + digits[:point] + '.' + digits[point:] + 'e%d' % rng.randint(-700, 330)
    words = ['nan', 'NaN', 'NAN', 'inf', 'Inf', 'INF', 'infinity', 'Infinity', 'INFINITY', 'infin',
             'in', 'na', 'iNfInItY', 'nanx', 'infinityy', '', '.', 'e5', '.e5', '1e', '1e+', '1e-',
             '1.5e+x', '1..2', '1e5e5', '0x10', '1_000', ' 1', '1,5', '--1', '+-1', '..', '-.', '+.5',
             '5.', '-.5e-3', '0e0', '-0', '00', '0.000', '1.e5']
    return sign + rng.choice(words) + rng.choice(['', '', 'x', ',', ' ', '.5', 'e', '1'])


def halfway_texts(rng, count):
    """Exact midpoints between adjacent doubles, and a hair above and below."""
    for _ in range(count):
        bits = rng.choice([rng.getrandbits(63), rng.getrandbits(52), rng.randrange(0x7fe << 52, 0x7ff << 52),
                           rng.randrange(1 << 52, 2 << 52)])
        x = double_of(bits)
        if math.isinf(x) or math.isnan(x) or math.isinf(next_up(x)):
            continue
        mid = (Fraction(x) + Fraction(next_up(x))) / 2
        text = exact_decimal(mid)
        yield text
        yield text + '0000000000000000000001'
        mantissa, _, exponent = text.partition('e')
        if len(mantissa) > 3:
            yield mantissa[:-1] + 'e' + exponent if exponent else mantissa[:-1]


def exact_decimal(fraction):
    """A dyadic rational as an exact scientific-notation decimal string."""
    numerator, denominator = fraction.numerator, fraction.denominator
    shift = denominator.bit_length() - 1
    assert denominator == 1 << shift
    digits = numerator * 5 ** shift      # value = digits * 10^-shift
    text = str(digits)
    exponent = len(text) - 1 - shift
    return text[0] + '.' + (text[1:] or '0') + 'e%d' % exponent


def parse_cases(w, rng, count):
    for _ in range(count):
        w.parse(random_decimal_text(rng))
    for text in halfway_texts(rng, count // 20):
        w.parse(text)
    fixed = ['2.2250738585072011e-308', '2.2250738585072012e-308', '9007199254740993',
             '9007199254740993.0000000000000000000000001', '1e23', '8.98846567431158e307',
             '1.7976931348623157e308', '1.7976931348623158e308', '1.7976931348623159e308',
             '4.9406564584124654e-324', '2.4703282292062327e-324', '2.4703282292062328e-324',
             '0.' + '0' * 400 + '1e400', '1' + '0' * 800, '0.' + '0' * 800, '1' * 800 + 'e-800',
             '7.2057594037927933e16', '3.0540412e5', '1e-342', '1e-343', '1e308', '1e309',
             '123456789012345678901234567890e-10', '0.1', '.1', '1.', '00000000000000000000001.5']
    for text in fixed:
        w.parse(text)
        w.parse('-' + text)


def integer_cases(w, rng, count):
    edges = [0, 1, -1, 2 ** 63 - 1, -2 ** 63, 2 ** 63, -2 ** 63 - 1, 2 ** 64 - 1, 2 ** 64, 10 ** 19,
             10 ** 20, 10 ** 40, -10 ** 40]
    texts = [str(v) for v in edges] + ['+5', '-', '+', '', 'x1', '12ab', '007', '-0', '1.5', '1e5',
                                       '18446744073709551616', '99999999999999999999999']
    for _ in range(count):
        value = rng.choice([rng.randint(-2 ** 63, 2 ** 63 - 1), rng.randint(-10 ** 6, 10 ** 6),
                            rng.randint(-10 ** 25, 10 ** 25)])
        texts.append(('+' if value >= 0 and rng.random() < 0.1 else '') + str(value)
                     + rng.choice(['', '', ',', '.5']))
    for text in texts:
        w.integer(text)
    for value in [0, 1, 9, 10, 99, 100, 2 ** 63, 2 ** 64 - 1, 10 ** 19, 10 ** 19 - 1]:
        w.emit('u', value)
    for _ in range(count // 4):
        w.emit('u', rng.getrandbits(rng.randint(1, 64)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--count', type=int, default=200000, help='about how many cases in all')
    parser.add_argument('--seed', type=int, default=20240611)
    parser.add_argument('--out', help='file to write (default stdout)')
    args = parser.parse_args()
    rng = random.Random(args.seed)
    out = open(args.out, 'w') if args.out else sys.stdout
    w = Writer(out)
    # The fixed parts (float16, boundaries) are about 90,000 lines; the rest
    # of --count is split between the random generators.
    random_part = max(args.count - 90000, 1000)
    float16_cases(w)
    float64_cases(w, rng, random_part // 4)
    float32_cases(w, rng, random_part // 5)
    parse_cases(w, rng, random_part // 2)
    integer_cases(w, rng, random_part // 20)
    out.flush()
    print('generated %s' % ', '.join('%s=%d' % item for item in sorted(w.counts.items())), file=sys.stderr)
    if args.out:
        out.close()


if __name__ == '__main__':
    main()
