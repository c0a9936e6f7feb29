#!/usr/bin/python3
"""Writes tests/unit/fixtures/npy/ from the installed numpy (run with Debian's
/usr/bin/python3; the output is committed, so re-run only to change cases).

    valid/NAME.npy     + NAME.desc   numpy.load reads it; the descriptor npy_decode
                                     must report (and "canonical 1" when the bytes are
                                     numpy.save's, so npy_encode_header must rebuild them)
    invalid/NAME.npy   + NAME.error  numpy.load raises; a substring of npy_decode's
                                     ERR_BAD_INPUT message
    declined/NAME.npy  + NAME.error  left to numpy.load (ERR_DECLINED), same sidecar
    encode/NAME.header + NAME.desc   header bytes numpy.save writes for shapes too
                                     big to save; npy_encode_header must equal them

Every case is checked against numpy.load here, so a fixture can only claim
what the installed numpy does.
"""
import io
import os
import random
import shutil
import struct
import sys
import warnings

import numpy as np
from numpy.lib import format as npformat

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'fixtures', 'npy')
KIND_NAMES = {'b': 'bool', 'i': 'int', 'u': 'uint', 'f': 'float', 'c': 'complex'}
DESCRS = ['|b1', '|i1', '|u1', '<i2', '>i2', '<i4', '>i4', '<i8', '>i8', '<u2', '>u2',
          '<u4', '>u4', '<u8', '>u8', '<f2', '>f2', '<f4', '>f4', '<f8', '>f8',
          '<c8', '>c8', '<c16', '>c16']
HEADER = "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }"
names = set()


def write(directory, name, extension, content):
    path = os.path.join(ROOT, directory, name + extension)
    mode = 'wb' if isinstance(content, bytes) else 'w'
    with open(path, mode) as handle:
        handle.write(content)


def claim(name):
    if name in names:
        sys.exit('duplicate fixture name ' + name)
    names.add(name)


def load(data):
    try:
        return np.load(io.BytesIO(data)), None
    except BaseException as error:  # numpy raises TypeError, TokenError too
        return None, error


def desc_text(dtype, shape, fortran_order, offset, canonical):
    lines = ['kind ' + KIND_NAMES[dtype.kind],
             'itemsize %d' % dtype.itemsize,
             'big_endian %d' % (dtype.byteorder == '>'),
             'fortran_order %d' % fortran_order,
             'shape' + ''.join(' %d' % d for d in shape),
             'payload_offset %d' % offset,
             'canonical %d' % canonical]
    return '\n'.join(lines) + '\n'


def header_parts(data):
    major = data[6]
    size = 2 if major == 1 else 4
    length = struct.unpack('<H' if size == 2 else '<I', data[8:8 + size])[0]
    return 8 + size + length


def valid(name, data, fortran_order, canonical=False):
    """data must load; the expected descriptor comes from numpy's result."""
    claim(name)
    array, error = load(data)
    if error is not None:
        sys.exit('%s: numpy.load raised %r' % (name, error))
    write('valid', name, '.npy', data)
    write('valid', name, '.desc', desc_text(array.dtype, array.shape, fortran_order,
                                            header_parts(data), canonical))


def invalid(name, data, substring):
    claim(name)
    _, error = load(data)
    if error is None:
        sys.exit('%s: numpy.load succeeded but the fixture says it fails' % name)
    write('invalid', name, '.npy', data)
    write('invalid', name, '.error', substring + '\n')


def declined(name, data, substring):
    claim(name)
    write('declined', name, '.npy', data)
    write('declined', name, '.error', substring + '\n')


def saved(array):
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def build(header, payload=b'', version=(1, 0), length=None):
    text = header.encode('latin1' if version < (3, 0) else 'utf8')
    size_format = '<H' if version == (1, 0) else '<I'
    if length is None:
        length = len(text)
    return b'\x93NUMPY' + bytes(version) + struct.pack(size_format, length) + text + payload


def sample(descr, shape, order='C'):
    dtype = np.dtype(descr)
    count = int(np.prod(shape)) if shape else 1
    if dtype.kind == 'b':
        values = np.arange(count) % 3 == 1
    elif dtype.kind == 'c':
        values = np.arange(count) * (1.5 - 2j) + 0.25j
    elif dtype.kind == 'f':
        values = np.arange(count) * -1.25 + 0.5
    else:
        values = np.arange(count) * 7 + 1
    return np.array(values.astype(dtype).reshape(shape), order=order)


def saved_cases():
    shapes = [(), (0,), (3,), (2, 3), (0, 3), (1, 4)]
    for descr in DESCRS:
        tag = descr.replace('|', 'na').replace('<', 'le').replace('>', 'be')
        for shape in shapes:
            for order in ('C', 'F'):
                if order == 'F' and len(shape) < 2:
                    continue
                array = sample(descr, shape, order)
                fortran = array.flags.f_contiguous and not array.flags.c_contiguous
                name = 'save_%s_%s_%s' % (tag, 'x'.join(map(str, shape)) or 'scalar', order)
                valid(name, saved(array), fortran, canonical=True)
    for order in ('C', 'F'):
        valid('save_f4_3d_' + order, saved(sample('<f4', (2, 3, 4), order)),
              order == 'F', canonical=True)
        valid('save_i2_5d_' + order, saved(sample('>i2', (2, 1, 3, 1, 2), order)),
              order == 'F', canonical=True)
        valid('save_u1_32d_' + order, saved(sample('|u1', (2,) * 3 + (1,) * 29, order)),
              order == 'F', canonical=True)
        valid('save_f8_long_axis_' + order, saved(sample('<f8', (1000, 3), order)),
              order == 'F', canonical=True)
        valid('save_c16_wide_' + order, saved(sample('<c16', (2, 1234567 // 10000), order)),
              order == 'F', canonical=True)


def handwritten_cases():
    f4 = np.arange(3, dtype='<f4').tobytes()
    variants = {
        'double_quotes': '{"descr": "<f4", "fortran_order": False, "shape": (3,)}',
        'no_spaces': "{'descr':'<f4','fortran_order':False,'shape':(3,)}",
        'keys_reordered': "{'shape': (3,), 'fortran_order': False, 'descr': '<f4'}",
        'no_trailing_comma': "{'descr': '<f4', 'fortran_order': False, 'shape': (3,)}",
        'newlines_inside': "{'descr': '<f4',\n 'fortran_order': False,\n\t'shape': (\n3,\n),\n}",
        'leading_spaces': "  \t{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }",
        'trailing_newlines': HEADER + '  \n\n',
        'tab_trailer': HEADER + '\t\n',
        'native_order': "{'descr': '=f4', 'fortran_order': False, 'shape': (3,), }",
        'pipe_order': "{'descr': '|f4', 'fortran_order': False, 'shape': (3,), }",
        'no_order': "{'descr': 'f4', 'fortran_order': False, 'shape': (3,), }",
        'duplicate_key_last_wins': "{'descr': '<f8', 'fortran_order': True, 'shape': (9,), "
                                   "'descr': '<f4', 'shape': (3,), 'fortran_order': False}",
        'grouped_values': "{('descr'): ('<f4'), 'fortran_order': (False), 'shape': ((3),)}",
        'grouped_dict': "({'descr': '<f4', 'fortran_order': False, 'shape': (3,)})",
        'plus_sign': "{'descr': '<f4', 'fortran_order': False, 'shape': (+3,)}",
        'signed_group': "{'descr': '<f4', 'fortran_order': False, 'shape': (+(3),)}",
        'long_suffix_v1': "{'descr': '<f4', 'fortran_order': False, 'shape': (3L,)}",
        'long_suffix_space_v1': "{'descr': '<f4', 'fortran_order': False, 'shape': (3 L,)}",
        'other_keys_values_ignored': "{'descr': '<f4', 'fortran_order': False, "
                                     "'shape': [1, (2, 'x'), {3: None}, {4, (5,)}, [], {}], "
                                     "'shape': (3,)}",
    }
    for name, header in variants.items():
        valid('hand_' + name, build(header, f4), False)
    valid('hand_version_2', build(HEADER, f4, version=(2, 0)), False)
    valid('hand_version_3', build(HEADER, f4, version=(3, 0)), False)
    valid('hand_trailing_payload', build(HEADER, f4 + b'extra bytes are ignored'), False)
    valid('hand_bool_question_mark',
          build("{'descr': '?', 'fortran_order': False, 'shape': (2,)}", b'\x01\x00'), False)
    valid('hand_bool_big_endian_mark',
          build("{'descr': '>b1', 'fortran_order': False, 'shape': (2,)}", b'\x01\x00'), False)
    valid('hand_int8_little_mark',
          build("{'descr': '<i1', 'fortran_order': False, 'shape': (2,)}", b'\x01\xff'), False)
    valid('hand_minus_zero',
          build("{'descr': '<f4', 'fortran_order': False, 'shape': (-0, 5)}"), False)
    valid('hand_fortran_1d',
          build("{'descr': '<f4', 'fortran_order': True, 'shape': (3,)}", f4), True)
    valid('hand_fortran_2d',
          build("{'descr': '<i2', 'fortran_order': True, 'shape': (2, 3)}",
                np.arange(6, dtype='<i2').tobytes()), True)
    valid('hand_huge_empty',  # the largest nonzero product numpy allows next to a 0
          build("{'descr': '<f4', 'fortran_order': False, 'shape': (2305843009213693951, 0)}"),
          False)
    valid('hand_empty_header_tuple',
          build("{'descr': '<f8', 'fortran_order': False, 'shape': (())}",
                np.float64(2.5).tobytes()), False)


def invalid_cases():
    good = saved(np.arange(6, dtype='<f4').reshape(2, 3))
    end = header_parts(good)
    invalid('truncated_magic', good[:7], 'EOF reading the magic')
    invalid('truncated_length', good[:9], 'EOF reading the header length')
    invalid('truncated_header', good[:40], 'EOF reading the array header')
    invalid('truncated_payload', good[:-1], 'EOF reading array data')
    invalid('no_payload', good[:end], 'EOF reading array data')
    invalid('version_1_1', build(HEADER, b'\0' * 12, version=(1, 1)), 'version 1.1')
    invalid('version_4_0', build(HEADER, b'\0' * 12, version=(4, 0)), 'version 4.0')
    invalid('version_0_0', build(HEADER, b'\0' * 12, version=(0, 0)), 'version 0.0')
    invalid('lying_length', build(HEADER, b'', length=200), 'EOF reading the array header')
    invalid('header_too_large', build(HEADER + ' ' * 10000, b'\0' * 12), 'max_header_size')
    invalid('header_too_large_v2', build(HEADER + ' ' * 70000, b'\0' * 12, version=(2, 0)),
            'max_header_size')
    lying = "{'descr': '<f8', 'fortran_order': False, 'shape': (1000, 1000), }"
    invalid('lying_shape', build(lying, b'\0' * 64), 'EOF reading array data')
    cases = {
        'empty': ('', 'expected a value'),
        'blank': ('    ', 'expected a value'),
        'unclosed': (HEADER[:-1], 'not a valid Python literal'),
        'extra_brace': (HEADER + '}', 'unexpected text after its value'),
        'trailing_garbage': (HEADER + ' 3', 'unexpected text after its value'),
        'trailing_comma_tuple': (HEADER + ',', 'unexpected text after its value'),
        'double_comma': (HEADER.replace(', }', ', ,}'), 'not a valid Python literal'),
        'missing_colon': ("{'descr' 3}", 'not a valid Python literal'),
        'empty_tuple_comma': ("{'descr': '<f4', 'fortran_order': False, 'shape': (,)}",
                              'not a valid Python literal'),
        'unterminated_string': ("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), 'x}",
                                'not a valid Python literal'),
        'string_across_lines': ("{'descr': '<f4\n', 'fortran_order': False, 'shape': (3,)}",
                                'not a valid Python literal'),
        'not_a_dict': ("['descr', 'fortran_order', 'shape']", 'not a dictionary'),
        'set_header': ("{'descr', 'fortran_order', 'shape'}", 'not a dictionary'),
        'top_string': ("'descr'", 'not a dictionary'),
        'top_string_then_int': ("'descr' 3", 'unexpected text after its value'),
        'tuple_missing_comma': ("(3 4)", 'not a valid Python literal'),
        'list_missing_comma': ("{'descr': '<f4', 'fortran_order': False, 'shape': [1 2]}",
                               'not a valid Python literal'),
        'value_missing_colon': ("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), "
                                "'x' 1: 2}", 'not a valid Python literal'),
        'set_value': ("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), 'x': {1, 2,}}",
                      'keys'),
        'unhashable_tuple_key': ("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), "
                                 "'x': {(1, [2]): 3}}", 'unhashable'),
        'unhashable_set_element': ("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), "
                                   "'x': {1, [2]}}", 'unhashable'),
        'missing_key': ("{'descr': '<f4', 'fortran_order': False}", 'keys'),
        'extra_key': (HEADER[:-1] + "'x': 1}", 'keys'),
        'int_key': ("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), 1: 2}", 'keys'),
        'shape_int': ("{'descr': '<f4', 'fortran_order': False, 'shape': 3}",
                      'shape is not a tuple'),
        'shape_grouped_int': ("{'descr': '<f4', 'fortran_order': False, 'shape': (3)}",
                              'shape is not a tuple'),
        'shape_list': ("{'descr': '<f4', 'fortran_order': False, 'shape': [3]}",
                       'shape is not a tuple'),
        'shape_string': ("{'descr': '<f4', 'fortran_order': False, 'shape': ('3',)}",
                         'shape is not a tuple'),
        'shape_nested': ("{'descr': '<f4', 'fortran_order': False, 'shape': ((3,),)}",
                         'shape is not a tuple'),
        'fortran_int': ("{'descr': '<f4', 'fortran_order': 0, 'shape': (3,)}", 'fortran_order'),
        'fortran_none': ("{'descr': '<f4', 'fortran_order': None, 'shape': (3,)}",
                         'fortran_order'),
        'bool_dim': ("{'descr': '<f4', 'fortran_order': False, 'shape': (True,)}", 'bool'),
        'double_sign': ("{'descr': '<f4', 'fortran_order': False, 'shape': (--3,)}", 'sign'),
        'sign_on_group': ("{'descr': '<f4', 'fortran_order': False, 'shape': (-(-3),)}",
                          'sign'),
        'sign_on_bool': ("{'descr': '<f4', 'fortran_order': True, 'shape': (-True,)}", 'sign'),
        'binary_op': ("{'descr': '<f4', 'fortran_order': False, 'shape': (1 + 2,)}",
                      'not a valid Python literal'),
        'call': ("{'descr': '<f4', 'fortran_order': False, 'shape': (3,)(1)}",
                 'not a valid Python literal'),
        'unhashable_key': ("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), "
                           "'shape': {[1]: 2}, 'shape': (3,)}", 'unhashable'),
        'dim_over_int64': ("{'descr': '<f4', 'fortran_order': False, "
                           "'shape': (9223372036854775808,)}", 'int64'),
        'dim_huge': ("{'descr': '<f4', 'fortran_order': False, "
                     "'shape': (99999999999999999999999999,)}", 'int64'),
        'too_many_dims': ("{'descr': '<f4', 'fortran_order': False, 'shape': (%s)}"
                          % ('1, ' * 33), 'at most 32'),
        'bytes_overflow': ("{'descr': '<f4', 'fortran_order': False, "
                           "'shape': (4294967296, 4294967296)}", 'overflows'),
        'bytes_overflow_wraps_to_zero': ("{'descr': '<f8', 'fortran_order': False, "
                                         "'shape': (4294967296, 4294967296, 1)}", 'overflows'),
        'too_big_with_zero': ("{'descr': '<f4', 'fortran_order': False, "
                              "'shape': (2305843009213693952, 0)}", 'overflows'),
    }
    for name, (header, substring) in cases.items():
        invalid('header_' + name, build(header, b'\0' * 12), substring)


def declined_cases():
    declined('empty_file', b'', 'not an NPY file')
    declined('short_magic', b'\x93NUM', 'not an NPY file')
    declined('pickle', b'\x80\x04K\x03.', 'not an NPY file')
    declined('npz_zip', b'PK\x03\x04' + b'\0' * 40, 'not an NPY file')
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        declined('object_array', saved(np.array([1, 'a', None], dtype=object)),
                 "descr '|O'")
    declined('unicode', saved(np.array(['ab', 'c'])), "descr '<U2'")
    declined('bytes', saved(np.array([b'ab', b'c'])), "descr '|S2'")
    declined('datetime', saved(np.array(['2020-01-01'], dtype='M8[D]')), "descr '<M8[D]'")
    declined('structured', saved(np.zeros(2, dtype=[('a', '<i4'), ('b', '<f8')])),
             'not a simple dtype string')
    declined('subarray', build("{'descr': ('<f4', (2,)), 'fortran_order': False, "
                               "'shape': (3,)}", b'\0' * 24), 'not a simple dtype string')
    declined('long_double', saved(np.zeros(2, dtype=np.longdouble)), "descr '<f16'")
    declined('void', saved(np.zeros(2, dtype='V3')), "descr '|V3'")
    # numpy.load fails on most negative dimensions but its reshape reads one
    # as "unknown": these two load, as (2, 5) and (0, 4).
    negative = {'negative_dim': '(-1,)', 'negative_pair': '(-1, -1)',
                'negative_with_zero': '(0, -1)',
                'negative_wraps_to_ten': '(2, -9223372036854775803)',
                'negative_wraps_to_zero': '(-4611686018427387904, 4)'}
    for name, shape in negative.items():
        declined(name, build("{'descr': '<f4', 'fortran_order': False, 'shape': %s}" % shape,
                             np.arange(10, dtype='<f4').tobytes()), 'negative dimension')
    declined('short_code', build("{'descr': '<i', 'fortran_order': False, 'shape': (3,)}",
                                 b'\0' * 12), "descr '<i'")
    declined('named_dtype', build("{'descr': 'float32', 'fortran_order': False, "
                                  "'shape': (3,)}", b'\0' * 12), "descr 'float32'")
    syntax = {
        'escape': "{'descr': '\\x3cf4', 'fortran_order': False, 'shape': (3,)}",
        'triple_quote': "{'descr': '''<f4''', 'fortran_order': False, 'shape': (3,)}",
        'string_prefix': "{'descr': u'<f4', 'fortran_order': False, 'shape': (3,)}",
        'adjacent_strings': "{'descr': '<' 'f4', 'fortran_order': False, 'shape': (3,)}",
        'comment': HEADER + ' # a comment',
        'hex_dim': "{'descr': '<f4', 'fortran_order': False, 'shape': (0x3,)}",
        'underscore_dim': "{'descr': '<f4', 'fortran_order': False, 'shape': (1_0,)}",
        'float_dim': "{'descr': '<f4', 'fortran_order': False, 'shape': (3.0,)}",
        'leading_zero_dim': "{'descr': '<f4', 'fortran_order': False, 'shape': (03,)}",
        'name': "{'descr': '<f4', 'fortran_order': False, 'shape': (n,)}",
        'set_call': "{'descr': set(), 'fortran_order': False, 'shape': (3,)}",
        'leading_newline': '\n' + HEADER,
        'carriage_return': HEADER.replace(', ', ',\r', 1),
        'form_feed': HEADER.replace(', ', ',\f', 1),
        'blank_line_trailer': HEADER + '\n  ',
        'deep_nesting': "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), 'shape': "
                        + '(' * 40 + '3,' + ')' * 40 + ", 'shape': (3,)}",
    }
    left = ('leading_newline', 'carriage_return', 'form_feed', 'blank_line_trailer')
    for name, header in syntax.items():
        declined('syntax_' + name, build(header, b'\0' * 12),
                 'left to numpy' if name in left else 'outside what the fast path decodes')
    # numpy's Python 2 filter drops an L after a number, not after a newline
    declined('syntax_long_suffix_after_newline',
             build("{'descr': '<f4', 'fortran_order': False, 'shape': (3\nL,)}", b'\0' * 12),
             'outside what the fast path decodes')
    declined('syntax_long_suffix_v3',
             build("{'descr': '<f4', 'fortran_order': False, 'shape': (3L,)}", b'\0' * 12,
                   version=(3, 0)), 'outside what the fast path decodes')
    declined('latin1_v1', build("{'descr': '<f4', 'fortran_order': False, 'shape': (3,)}"
                                " \xe9", b'\0' * 12), 'byte 0xe9')
    declined('utf8_v3', build("{'descr': '<f4', 'fortran_order': False, 'shape': (3,)}"
                              " \u00e9", b'\0' * 12, version=(3, 0)), 'non-ASCII')


def encode_cases():
    """Headers for shapes too large to save: numpy.save's own header writer."""
    shapes = [(2 ** 40,), (2 ** 31, 2 ** 20), (10 ** 18, 3), (3, 10 ** 18), (1, 2 ** 63 - 1),
              (123456789,) * 3, (2 ** 64 - 1, 0), (7,) * 32, (100000, 1, 100000)]
    for number, shape in enumerate(shapes):
        for descr in ('<f4', '>c16', '|b1'):
            for fortran in (False, True):
                if fortran and len(shape) < 2:
                    continue
                # numpy.save calls an array Fortran-ordered only when it is not
                # C-contiguous as well: two axes longer than 1, none empty.
                saved_fortran = fortran and 0 not in shape and sum(d != 1 for d in shape) > 1
                buffer = io.BytesIO()
                npformat._write_array_header(buffer, {'descr': descr,
                                                      'fortran_order': saved_fortran,
                                                      'shape': shape})
                data = buffer.getvalue()
                name = 'big_%d_%s_%s' % (number, descr[1:], 'F' if fortran else 'C')
                claim(name)
                write('encode', name, '.header', data)
                write('encode', name, '.desc',
                      desc_text(np.dtype(descr), shape, fortran, len(data), True))
    # Every remainder of the unpadded header modulo 64, so that the padding
    # arithmetic (a full 64 spaces when the text ends on a boundary) and the
    # growth spaces cannot be off by one unnoticed.
    residues = {}
    chooser = random.Random(64)
    while len(residues) < 64 and chooser.random() < 0.99999:
        ndim = chooser.randint(1, 10)
        shape = tuple(10 ** chooser.randint(0, 18) for _ in range(ndim))
        text = "{'descr': '<f8', 'fortran_order': False, 'shape': %r, }" % (shape,)
        text += ' ' * (npformat.GROWTH_AXIS_MAX_DIGITS - len(repr(shape[0])))
        residues.setdefault((10 + len(text) + 1) % 64, shape)
    if len(residues) != 64:
        sys.exit('padding sweep covers only %d remainders' % len(residues))
    for residue, shape in sorted(residues.items()):
        buffer = io.BytesIO()
        npformat._write_array_header(buffer, {'descr': '<f8', 'fortran_order': False,
                                              'shape': shape})
        data = buffer.getvalue()
        name = 'padding_%02d' % residue
        claim(name)
        write('encode', name, '.header', data)
        write('encode', name, '.desc', desc_text(np.dtype('<f8'), shape, False, len(data), True))


def main():
    if np.__version__ != '1.24.2':
        print('warning: fixtures were made with numpy 1.24.2, this is', np.__version__)
    if os.path.isdir(ROOT):
        shutil.rmtree(ROOT)
    for directory in ('valid', 'invalid', 'declined', 'encode'):
        os.makedirs(os.path.join(ROOT, directory))
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', RuntimeWarning)
        saved_cases()
        handwritten_cases()
        invalid_cases()
        declined_cases()
        encode_cases()
    print('%d fixtures in %s' % (len(names), ROOT))


if __name__ == '__main__':
    main()
