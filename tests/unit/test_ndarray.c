/*
 * test_ndarray: the NumPy bridge inside an embedded interpreter.
 *
 * numpy itself is the oracle: arrays decoded by codec_npy + ndarray must
 * equal numpy.load's (dtype object, byte order, shape, strides, flags,
 * bytes), and headers plus payloads taken through ndarray_describe must
 * equal numpy.save's bytes, for every numeric dtype, both byte orders,
 * C and Fortran order, 0-d, empty, degenerate and non-contiguous arrays.
 *
 * Build (the lead wires it into Makefile.am with PYTHON_CFLAGS,
 * NUMPY_CFLAGS and PYTHON_LIBS):
 *   gcc -std=gnu11 -iquote src $(python3-config --includes) -I$(numpy include) \
 *       src/ndarray.c src/codec_npy.c src/buffer.c src/array_desc.c src/error.c \
 *       tests/unit/test_ndarray.c $(pkg-config --cflags --libs check jansson) \
 *       $(python3-config --embed --ldflags)
 * Checks run without fork (CK_NOFORK): the interpreter is started once.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "codec_npy.h"
#include "ndarray.h"

#ifndef TEST_PYTHON
#define TEST_PYTHON "/usr/bin/python3"
#endif

/* The namespace the Python side of the tests lives in (test-only state). */
static PyObject *namespace;

static const char setup_code[] =
    "import io, numpy as np\n"
    "DESCRS = ['|b1', '|i1', '|u1', '<i2', '>i2', '<i4', '>i4', '<i8', '>i8', '<u2', '>u2',\n"
    "          '<u4', '>u4', '<u8', '>u8', '<f2', '>f2', '<f4', '>f4', '<f8', '>f8',\n"
    "          '<c8', '>c8', '<c16', '>c16']\n"
    "SHAPES = [(), (0,), (1,), (5,), (3, 4), (4, 3), (2, 3, 4), (1, 5), (5, 1), (0, 3),\n"
    "          (3, 0, 2), (2, 1, 3, 1), (1, 1, 1), (2,) * 12]\n"
    "def sample(descr, shape, order):\n"
    "    dtype = np.dtype(descr)\n"
    "    n = int(np.prod(shape))\n"
    "    if dtype.kind == 'b':\n"
    "        v = np.arange(n) % 3 == 1\n"
    "    elif dtype.kind in 'fc':\n"
    "        special = [np.nan, np.inf, -np.inf, -0.0, 1e-310, 0.1, 65504.0, -1.5]\n"
    "        v = np.array([special[i % 8] * (1 + 1j * (i % 2) if dtype.kind == 'c' else 1)\n"
    "                      if i % 3 else i * 0.25 for i in range(n)])\n"
    "    else:\n"
    "        info = np.iinfo(dtype)\n"
    "        v = np.array([(info.max - i if i % 2 else info.min + i) for i in range(n)])\n"
    "    with np.errstate(all='ignore'):\n"
    "        return np.array(v.astype(dtype).reshape(shape), order=order)\n"
    "def saved(a):\n"
    "    f = io.BytesIO(); np.save(f, a); return f.getvalue()\n"
    "def loaded(raw):\n"
    "    return np.load(io.BytesIO(raw))\n"
    "def same(got, want):\n"
    "    return (type(got) is np.ndarray and got.dtype == want.dtype\n"
    "            and got.dtype.str == want.dtype.str and got.dtype.type is want.dtype.type\n"
    "            and got.shape == want.shape and got.strides == want.strides\n"
    "            and got.flags.c_contiguous == want.flags.c_contiguous\n"
    "            and got.flags.f_contiguous == want.flags.f_contiguous\n"
    "            and got.flags.writeable and got.flags.aligned\n"
    "            and got.tobytes(order='A') == want.tobytes(order='A'))\n"
    "def why(got, want):\n"
    "    return '%r %r %r %r / %r %r %r %r' % (got.dtype, got.shape, got.strides, got.flags,\n"
    "        want.dtype, want.shape, want.strides, want.flags)\n"
    "cases = [saved(sample(d, s, o)) for d in DESCRS for s in SHAPES for o in 'CF']\n"
    "base = sample('<f8', (6, 8), 'C')\n"
    "unaligned = np.frombuffer(bytearray(8 * 12 + 1), dtype='<f8', offset=1).reshape(3, 4)\n"
    "unaligned_f = np.frombuffer(bytearray(4 * 12 + 2), dtype='>i4', offset=2).reshape(3, 4).T\n"
    "encode_cases = [sample(d, s, o) for d in DESCRS for s in SHAPES for o in 'CF'] + [\n"
    "    base[::2], base[:, ::3], base.T, base.T[::2], base[::-1], base[1:4, 2:7],\n"
    "    np.asfortranarray(base)[:, 1:5], sample('>i4', (5, 6), 'F')[::2, ::2],\n"
    "    sample('<c8', (4, 5, 6), 'C').transpose(1, 0, 2), unaligned, unaligned_f,\n"
    "    base[:, :1], base[:1, :], base[::7], np.broadcast_to(np.arange(3.0), (4, 3)),\n"
    "    np.float32(1.5), np.float64(-0.0), np.bool_(True), np.int8(-3),\n"
    "    np.uint64(2**64 - 1), np.complex64(1 + 2j), np.float16(0.1), np.int64(-2**63),\n"
    "    np.array(5, dtype='>i8'), np.zeros((0, 5), order='F'),\n"
    "    np.ones((3, 0, 2), dtype='>c16', order='F'),\n"
    "]\n"
    "class Sub(np.ndarray):\n"
    "    pass\n"
    "declined_cases = [[1.0, 2.0], 1.5, 3, True, None, b'abc', 'text',\n"
    "    np.array([1, 'a', None], dtype=object), np.array(['ab']), np.array([b'ab']),\n"
    "    np.zeros(2, dtype=np.longdouble), np.zeros(2, dtype=np.clongdouble),\n"
    "    np.zeros(2, dtype='M8[s]'), np.zeros(2, dtype='m8[s]'),\n"
    "    np.zeros(2, dtype=[('a', '<i4'), ('b', '<f8')]), np.zeros(2, dtype='V4'),\n"
    "    np.matrix([[1.0, 2.0]]), np.ma.array([1.0, 2.0], mask=[0, 1]), np.zeros(2).view(Sub),\n"
    "    np.str_('a'), np.bytes_(b'a'), np.longdouble(1), np.datetime64('2020-01-01'),\n"
    "    np.void(b'ab'), np.float64, np.dtype('f4')]\n";

static void run(const char *code)
{
    PyObject *result = PyRun_String(code, Py_file_input, namespace, namespace); /* new ref */
    if (result == NULL)
        PyErr_Print();
    ck_assert_msg(result != NULL, "Python failed: %s", code);
    Py_DECREF(result);
}

/* A new reference to the value of a Python expression. */
static PyObject *eval(const char *expression)
{
    PyObject *result = PyRun_String(expression, Py_eval_input, namespace, namespace);
    if (result == NULL)
        PyErr_Print();
    ck_assert_msg(result != NULL, "Python failed: %s", expression);
    return result;
}

static bool truth(const char *expression)
{
    PyObject *result = eval(expression);
    int value = PyObject_IsTrue(result);
    Py_DECREF(result);
    ck_assert_int_ge(value, 0);
    return value == 1;
}

/* Binds name to object in the namespace (object may be NULL: deletes). */
static void bind(const char *name, PyObject *object)
{
    if (object == NULL) {
        if (PyDict_GetItemString(namespace, name) != NULL)
            ck_assert_int_eq(PyDict_DelItemString(namespace, name), 0);
        return;
    }
    ck_assert_int_eq(PyDict_SetItemString(namespace, name, object), 0);
}

/* The Python-side description of how got and numpy.load(raw) differ. */
static char *difference(void)
{
    static char text[2048];
    PyObject *result = eval("why(got, loaded(raw))");
    snprintf(text, sizeof text, "%s", PyUnicode_AsUTF8(result));
    Py_DECREF(result);
    return text;
}

static void decode_bytes(PyObject *raw, struct array_desc *desc, size_t *offset)
{
    struct error err;
    enum error_code rc = npy_decode(PyBytes_AS_STRING(raw), (size_t)PyBytes_GET_SIZE(raw), desc,
                                    offset, &err);
    ck_assert_msg(rc == OK, "npy_decode: %s", err.message);
}

START_TEST(test_init_is_repeatable)
{
    struct error err;
    ck_assert_int_eq(ndarray_init(&err), OK);
    ck_assert_ptr_null(PyErr_Occurred());
}
END_TEST

START_TEST(test_view_equals_numpy_load)
{
    PyObject *cases = eval("cases");
    Py_ssize_t n = PyList_GET_SIZE(cases);

    ck_assert_int_gt(n, 600);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *raw = PyList_GET_ITEM(cases, i); /* borrowed */
        struct array_desc desc;
        size_t offset;
        PyObject *got;

        decode_bytes(raw, &desc, &offset);
        got = ndarray_from_buffer(&desc, PyBytes_AS_STRING(raw) + offset, raw);
        ck_assert_ptr_nonnull(got);
        bind("got", got);
        bind("raw", raw);
        ck_assert_msg(truth("same(got, loaded(raw))"), "case %zd differs from numpy.load: %s", i,
                      difference());
        /* viewed in place, not copied */
        ck_assert_msg(truth("got.nbytes == 0 or got.base is raw"), "case %zd was copied", i);
        Py_DECREF(got);
    }
    bind("got", NULL);
    bind("raw", NULL);
    Py_DECREF(cases);
}
END_TEST

START_TEST(test_unaligned_data_is_copied)
{
    PyObject *cases = eval("cases");
    Py_ssize_t n = PyList_GET_SIZE(cases);

    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *raw = PyList_GET_ITEM(cases, i); /* borrowed */
        PyObject *shifted, *got;
        struct array_desc desc;
        size_t offset;

        decode_bytes(raw, &desc, &offset);
        bind("raw", raw);
        shifted = eval("bytearray(1) + raw"); /* malloc'd storage, so +1 is misaligned */
        got = ndarray_from_buffer(&desc, PyByteArray_AS_STRING(shifted) + 1 + offset, shifted);
        ck_assert_ptr_nonnull(got);
        bind("got", got);
        bind("shifted", shifted);
        ck_assert_msg(truth("same(got, loaded(raw))"), "case %zd differs from numpy.load: %s", i,
                      difference());
        if (desc.itemsize > 1)
            ck_assert_msg(truth("got.nbytes == 0 or (got.base is None and got.flags.owndata)"),
                          "case %zd: unaligned data was viewed", i);
        else
            ck_assert_msg(truth("got.nbytes == 0 or got.base is shifted"),
                          "case %zd: byte data was copied", i);
        Py_DECREF(got);
        Py_DECREF(shifted);
    }
    bind("got", NULL);
    bind("shifted", NULL);
    Py_DECREF(cases);
}
END_TEST

START_TEST(test_view_is_writeable_into_owner)
{
    PyObject *owner, *got;
    struct array_desc desc;
    size_t offset;
    PyObject *raw;

    run("raw = saved(sample('<f4', (3, 4), 'F'))\nowner = bytearray(raw)\n");
    raw = eval("raw");
    decode_bytes(raw, &desc, &offset);
    owner = eval("owner");
    got = ndarray_from_buffer(&desc, PyByteArray_AS_STRING(owner) + offset, owner);
    ck_assert_ptr_nonnull(got);
    bind("got", got);
    bind("offset", PyLong_FromSize_t(offset));
    run("got[...] = 3\ngot *= 2\ngot += 1\n"); /* in-place arithmetic, as user code does */
    ck_assert(truth("np.all(np.frombuffer(owner, '<f4', offset=offset) == 7)"));
    ck_assert(truth("got.base is owner and got.flags.f_contiguous"));
    Py_DECREF(got);
    Py_DECREF(owner);
    Py_DECREF(raw);
    run("del got, owner, raw, offset\n");
}
END_TEST

START_TEST(test_from_owned)
{
    PyObject *cases = eval("cases");
    Py_ssize_t n = PyList_GET_SIZE(cases);

    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *raw = PyList_GET_ITEM(cases, i); /* borrowed */
        struct array_desc desc;
        size_t offset, count, bytes;
        void *data;
        PyObject *got;

        decode_bytes(raw, &desc, &offset);
        ck_assert(array_desc_count(&desc, &count, &bytes));
        data = bytes > 0 ? malloc(bytes) : NULL;
        if (bytes > 0) {
            ck_assert_ptr_nonnull(data);
            memcpy(data, PyBytes_AS_STRING(raw) + offset, bytes);
        }
        got = ndarray_from_owned(&desc, data); /* owns data from here on */
        ck_assert_ptr_nonnull(got);
        bind("got", got);
        bind("raw", raw);
        ck_assert_msg(truth("same(got, loaded(raw))"), "case %zd differs from numpy.load: %s", i,
                      difference());
        ck_assert_msg(truth("got.nbytes == 0 or type(got.base).__name__ == 'PyCapsule'"),
                      "case %zd: not viewing the owned memory", i);
        bind("got", NULL);
        Py_DECREF(got); /* frees data: valgrind checks */
    }
    bind("raw", NULL);
    Py_DECREF(cases);
}
END_TEST

START_TEST(test_bad_descs_fail_cleanly)
{
    struct array_desc desc;
    PyObject *got;
    char *data;

    memset(&desc, 0, sizeof desc);
    desc.kind = ELEMENT_FLOAT;
    desc.itemsize = 3;
    desc.ndim = 1;
    desc.shape[0] = 2;
    data = malloc(6);
    ck_assert_ptr_nonnull(data);
    got = ndarray_from_owned(&desc, data); /* frees data on failure */
    ck_assert_ptr_null(got);
    ck_assert(PyErr_ExceptionMatches(PyExc_ValueError));
    PyErr_Clear();

    desc.itemsize = 4;
    desc.ndim = ARRAY_MAX_DIMS + 1;
    got = ndarray_from_buffer(&desc, "12345678", Py_None);
    ck_assert_ptr_null(got);
    ck_assert(PyErr_ExceptionMatches(PyExc_ValueError));
    PyErr_Clear();

    desc.ndim = 2;
    desc.shape[0] = (size_t)1 << 62;
    desc.shape[1] = 4;
    got = ndarray_from_buffer(&desc, "12345678", Py_None);
    ck_assert_ptr_null(got);
    ck_assert_ptr_nonnull(PyErr_Occurred());
    PyErr_Clear();

    desc.ndim = 1;
    desc.shape[0] = 2;
    got = ndarray_from_owned(&desc, NULL);
    ck_assert_ptr_null(got);
    ck_assert(PyErr_ExceptionMatches(PyExc_ValueError));
    PyErr_Clear();
}
END_TEST

START_TEST(test_describe_encodes_like_numpy_save)
{
    PyObject *cases = eval("encode_cases");
    Py_ssize_t n = PyList_GET_SIZE(cases);
    size_t copies = 0;

    ck_assert_int_gt(n, 700);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *object = PyList_GET_ITEM(cases, i); /* borrowed */
        PyObject *holder, *mine;
        struct array_desc desc;
        const void *data;
        size_t count, bytes;
        struct buffer out;
        struct error err;

        ck_assert_msg(ndarray_describe(object, &desc, &data, &holder, &err) == OK,
                      "case %zd: %s", i, err.message);
        ck_assert(array_desc_count(&desc, &count, &bytes));
        if (holder != NULL)
            copies++;
        buffer_init(&out, (size_t)1 << 26);
        ck_assert_int_eq(npy_encode_header(&desc, &out, &err), OK);
        ck_assert_int_eq(buffer_append(&out, data, bytes), OK);
        Py_XDECREF(holder);
        mine = PyBytes_FromStringAndSize(out.data, (Py_ssize_t)out.length); /* new ref */
        ck_assert_ptr_nonnull(mine);
        bind("mine", mine);
        bind("x", object);
        ck_assert_msg(truth("mine == saved(x)"), "case %zd: not numpy.save's bytes", i);
        Py_DECREF(mine);
        buffer_free(&out);
    }
    /* the copies: 11 non-contiguous or unaligned arrays and 8 scalars */
    ck_assert_uint_eq(copies, 19);
    bind("mine", NULL);
    bind("x", NULL);
    Py_DECREF(cases);
}
END_TEST

START_TEST(test_describe_points_into_contiguous_arrays)
{
    PyObject *array = eval("np.asfortranarray(sample('>f8', (3, 4), 'C'))");
    PyObject *address;
    PyObject *holder;
    struct array_desc desc;
    const void *data;
    struct error err;

    ck_assert_int_eq(ndarray_describe(array, &desc, &data, &holder, &err), OK);
    ck_assert_ptr_null(holder);
    bind("x", array);
    address = eval("x.__array_interface__['data'][0]");
    ck_assert_ptr_eq(data, PyLong_AsVoidPtr(address));
    Py_DECREF(address);
    bind("x", NULL);
    ck_assert(desc.fortran_order);
    ck_assert(desc.big_endian);
    ck_assert_int_eq(desc.kind, ELEMENT_FLOAT);
    ck_assert_uint_eq(desc.itemsize, 8);
    ck_assert_int_eq(desc.ndim, 2);
    ck_assert_uint_eq(desc.shape[0], 3);
    ck_assert_uint_eq(desc.shape[1], 4);
    Py_DECREF(array);
}
END_TEST

START_TEST(test_describe_declines)
{
    PyObject *cases = eval("declined_cases");
    Py_ssize_t n = PyList_GET_SIZE(cases);

    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *object = PyList_GET_ITEM(cases, i); /* borrowed */
        PyObject *holder = Py_None;
        struct array_desc desc;
        const void *data = NULL;
        struct error err;

        error_clear(&err);
        ck_assert_msg(ndarray_describe(object, &desc, &data, &holder, &err) == ERR_DECLINED,
                      "case %zd not declined", i);
        ck_assert_ptr_null(holder);
        ck_assert_ptr_null(PyErr_Occurred());
        ck_assert(err.message[0] != '\0');
    }
    Py_DECREF(cases);
}
END_TEST

static Suite *ndarray_suite(void)
{
    Suite *suite = suite_create("ndarray");
    TCase *decode = tcase_create("decode");
    TCase *encode = tcase_create("encode");

    tcase_set_timeout(decode, 300);
    tcase_set_timeout(encode, 300);
    tcase_add_test(decode, test_init_is_repeatable);
    tcase_add_test(decode, test_view_equals_numpy_load);
    tcase_add_test(decode, test_unaligned_data_is_copied);
    tcase_add_test(decode, test_view_is_writeable_into_owner);
    tcase_add_test(decode, test_from_owned);
    tcase_add_test(decode, test_bad_descs_fail_cleanly);
    tcase_add_test(encode, test_describe_encodes_like_numpy_save);
    tcase_add_test(encode, test_describe_points_into_contiguous_arrays);
    tcase_add_test(encode, test_describe_declines);
    suite_add_tcase(suite, decode);
    suite_add_tcase(suite, encode);
    return suite;
}

static void start_python(void)
{
    PyConfig config;
    PyStatus status;
    struct error err;
    PyObject *main_module;

    PyConfig_InitPythonConfig(&config);
    config.install_signal_handlers = 0;
    config.parse_argv = 0;
    status = PyConfig_SetBytesString(&config, &config.program_name, TEST_PYTHON);
    if (!PyStatus_Exception(status))
        status = Py_InitializeFromConfig(&config);
    PyConfig_Clear(&config);
    if (PyStatus_Exception(status))
        Py_ExitStatusException(status);
    if (ndarray_init(&err) != OK) {
        fprintf(stderr, "test_ndarray: %s\n", err.message);
        exit(EXIT_FAILURE);
    }
    main_module = PyImport_AddModule("__main__"); /* borrowed */
    namespace = PyModule_GetDict(main_module);    /* borrowed */
    if (PyRun_SimpleString(setup_code) != 0)
        exit(EXIT_FAILURE);
}

int main(void)
{
    SRunner *runner;
    int failed;

    start_python();
    runner = srunner_create(ndarray_suite());
    srunner_set_fork_status(runner, CK_NOFORK);
    srunner_run_all(runner, CK_NORMAL);
    failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    if (Py_FinalizeEx() < 0)
        failed++;
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
