/*
 * test_npy: codec_npy against fixtures numpy wrote (gen_npy_fixtures.py):
 * every valid file decodes to numpy's descriptor and every canonical header
 * re-encodes byte for byte; every invalid file is ERR_BAD_INPUT with its
 * message; every declined one ERR_DECLINED.
 */
#define _GNU_SOURCE
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec_npy.h"

#ifndef FIXTURES_DIR
#define FIXTURES_DIR "tests/unit/fixtures"
#endif
#define NPY_FIXTURES FIXTURES_DIR "/npy"

struct file {
    char *data;
    size_t length;
};

static struct file read_file(const char *path)
{
    struct file file = {NULL, 0};
    FILE *stream = fopen(path, "rb");
    long size;

    ck_assert_msg(stream != NULL, "cannot open %s: %s", path, strerror(errno));
    ck_assert_int_eq(fseek(stream, 0, SEEK_END), 0);
    size = ftell(stream);
    ck_assert_int_ge(size, 0);
    rewind(stream);
    /* exactly the file's bytes, so ASan/valgrind catch any overread */
    file.data = malloc(size > 0 ? (size_t)size : 1);
    ck_assert_ptr_nonnull(file.data);
    file.length = fread(file.data, 1, (size_t)size, stream);
    ck_assert_uint_eq(file.length, (size_t)size);
    fclose(stream);
    return file;
}

/* The names (without extension) of the files ending in `extension`, sorted
 * for stable output; NULL-terminated, caller frees each and the array. */
static char **list_fixtures(const char *directory, const char *extension, size_t *count)
{
    DIR *dir = opendir(directory);
    struct dirent *entry;
    char **names = NULL;
    size_t n = 0, extension_length = strlen(extension);

    ck_assert_msg(dir != NULL, "cannot open %s: %s", directory, strerror(errno));
    while ((entry = readdir(dir)) != NULL) {
        size_t length = strlen(entry->d_name);
        if (length <= extension_length ||
            strcmp(entry->d_name + length - extension_length, extension) != 0)
            continue;
        names = realloc(names, (n + 2) * sizeof *names);
        ck_assert_ptr_nonnull(names);
        names[n] = strndup(entry->d_name, length - extension_length);
        ck_assert_ptr_nonnull(names[n]);
        n++;
    }
    closedir(dir);
    if (names == NULL) {
        names = malloc(sizeof *names);
        ck_assert_ptr_nonnull(names);
    }
    names[n] = NULL;
    qsort(names, n, sizeof *names, (int (*)(const void *, const void *))strcmp);
    *count = n;
    return names;
}

static void free_names(char **names)
{
    for (size_t i = 0; names[i] != NULL; i++)
        free(names[i]);
    free(names);
}

static char *fixture_path(const char *directory, const char *name, const char *extension)
{
    size_t size = strlen(NPY_FIXTURES) + strlen(directory) + strlen(name) + strlen(extension) + 3;
    char *path = malloc(size);
    ck_assert_ptr_nonnull(path);
    snprintf(path, size, "%s/%s/%s%s", NPY_FIXTURES, directory, name, extension);
    return path;
}

struct expected {
    struct array_desc desc;
    size_t payload_offset;
    int canonical;
};

static struct expected read_desc(const char *path)
{
    struct file file = read_file(path);
    struct expected expected;
    char *text, *line, *save = NULL;

    memset(&expected, 0, sizeof expected);
    text = malloc(file.length + 1);
    ck_assert_ptr_nonnull(text);
    memcpy(text, file.data, file.length);
    text[file.length] = '\0';
    for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
        char *value = strchr(line, ' ');
        if (value != NULL)
            *value++ = '\0';
        else
            value = line + strlen(line);
        if (strcmp(line, "kind") == 0) {
            if (strcmp(value, "bool") == 0) expected.desc.kind = ELEMENT_BOOL;
            else if (strcmp(value, "int") == 0) expected.desc.kind = ELEMENT_INT;
            else if (strcmp(value, "uint") == 0) expected.desc.kind = ELEMENT_UINT;
            else if (strcmp(value, "float") == 0) expected.desc.kind = ELEMENT_FLOAT;
            else if (strcmp(value, "complex") == 0) expected.desc.kind = ELEMENT_COMPLEX;
            else ck_abort_msg("%s: unknown kind %s", path, value);
        } else if (strcmp(line, "itemsize") == 0) {
            expected.desc.itemsize = strtoull(value, NULL, 10);
        } else if (strcmp(line, "big_endian") == 0) {
            expected.desc.big_endian = strcmp(value, "1") == 0;
        } else if (strcmp(line, "fortran_order") == 0) {
            expected.desc.fortran_order = strcmp(value, "1") == 0;
        } else if (strcmp(line, "shape") == 0) {
            char *cursor = value;
            while (*cursor != '\0') {
                char *end;
                unsigned long long dim = strtoull(cursor, &end, 10);
                if (end == cursor)
                    break;
                ck_assert_int_lt(expected.desc.ndim, ARRAY_MAX_DIMS);
                expected.desc.shape[expected.desc.ndim++] = (size_t)dim;
                cursor = end;
            }
        } else if (strcmp(line, "payload_offset") == 0) {
            expected.payload_offset = strtoull(value, NULL, 10);
        } else if (strcmp(line, "canonical") == 0) {
            expected.canonical = strcmp(value, "1") == 0;
        } else {
            ck_abort_msg("%s: unknown line %s", path, line);
        }
    }
    free(text);
    free(file.data);
    return expected;
}

static char *read_expected_error(const char *path)
{
    struct file file = read_file(path);
    char *text = strndup(file.data, file.length);
    ck_assert_ptr_nonnull(text);
    text[strcspn(text, "\n")] = '\0';
    free(file.data);
    return text;
}

static void assert_desc_equal(const char *name, const struct array_desc *got,
                              const struct array_desc *want)
{
    ck_assert_msg(got->kind == want->kind, "%s: kind %d, want %d", name, got->kind, want->kind);
    ck_assert_msg(got->itemsize == want->itemsize, "%s: itemsize %zu, want %zu", name,
                  got->itemsize, want->itemsize);
    ck_assert_msg(got->big_endian == want->big_endian, "%s: big_endian %d", name,
                  got->big_endian);
    ck_assert_msg(got->fortran_order == want->fortran_order, "%s: fortran_order %d", name,
                  got->fortran_order);
    ck_assert_msg(got->ndim == want->ndim, "%s: ndim %d, want %d", name, got->ndim, want->ndim);
    for (int i = 0; i < want->ndim; i++)
        ck_assert_msg(got->shape[i] == want->shape[i], "%s: shape[%d] %zu, want %zu", name, i,
                      got->shape[i], want->shape[i]);
}

START_TEST(test_valid_fixtures_decode)
{
    size_t count;
    char **names = list_fixtures(NPY_FIXTURES "/valid", ".npy", &count);

    ck_assert_uint_gt(count, 200);
    for (size_t i = 0; i < count; i++) {
        char *npy_path = fixture_path("valid", names[i], ".npy");
        char *desc_path = fixture_path("valid", names[i], ".desc");
        struct file file = read_file(npy_path);
        struct expected expected = read_desc(desc_path);
        struct array_desc desc;
        struct error err;
        size_t offset = 0, elements, bytes;
        enum error_code rc;

        error_clear(&err);
        rc = npy_decode(file.data, file.length, &desc, &offset, &err);
        ck_assert_msg(rc == OK, "%s: rc %d: %s", names[i], rc, err.message);
        assert_desc_equal(names[i], &desc, &expected.desc);
        ck_assert_msg(offset == expected.payload_offset, "%s: payload offset %zu, want %zu",
                      names[i], offset, expected.payload_offset);
        ck_assert(array_desc_count(&desc, &elements, &bytes));
        ck_assert_uint_le(offset + bytes, file.length);

        /* Cutting the file anywhere before the payload's end must fail. */
        for (size_t cut = 0; cut < offset + bytes; cut++) {
            struct array_desc untouched = desc;
            rc = npy_decode(file.data, cut, &untouched, &offset, &err);
            ck_assert_msg(rc == (cut < 6 ? ERR_DECLINED : ERR_BAD_INPUT),
                          "%s cut at %zu: rc %d", names[i], cut, rc);
            ck_assert_msg(strstr(err.message, cut < 6 ? "not an NPY file" : "truncated") != NULL,
                          "%s cut at %zu: %s", names[i], cut, err.message);
        }
        free(npy_path);
        free(desc_path);
        free(file.data);
    }
    free_names(names);
}
END_TEST

START_TEST(test_canonical_headers_reencode)
{
    size_t count, canonical = 0;
    char **names = list_fixtures(NPY_FIXTURES "/valid", ".npy", &count);

    for (size_t i = 0; i < count; i++) {
        char *npy_path = fixture_path("valid", names[i], ".npy");
        char *desc_path = fixture_path("valid", names[i], ".desc");
        struct file file = read_file(npy_path);
        struct expected expected = read_desc(desc_path);
        struct buffer out;
        struct error err;
        enum error_code rc;

        if (expected.canonical) {
            canonical++;
            buffer_init(&out, 1 << 20);
            rc = npy_encode_header(&expected.desc, &out, &err);
            ck_assert_msg(rc == OK, "%s: %s", names[i], err.message);
            ck_assert_msg(out.length == expected.payload_offset, "%s: header %zu bytes, want %zu",
                          names[i], out.length, expected.payload_offset);
            ck_assert_msg(memcmp(out.data, file.data, out.length) == 0,
                          "%s: header differs from numpy.save's:\n%.*s", names[i],
                          (int)out.length, out.data);
            buffer_free(&out);
        }
        free(npy_path);
        free(desc_path);
        free(file.data);
    }
    ck_assert_uint_gt(canonical, 200);
    free_names(names);
}
END_TEST

START_TEST(test_encode_fixtures)
{
    size_t count;
    char **names = list_fixtures(NPY_FIXTURES "/encode", ".header", &count);

    ck_assert_uint_gt(count, 50);
    for (size_t i = 0; i < count; i++) {
        char *header_path = fixture_path("encode", names[i], ".header");
        char *desc_path = fixture_path("encode", names[i], ".desc");
        struct file file = read_file(header_path);
        struct expected expected = read_desc(desc_path);
        struct buffer out;
        struct error err;

        buffer_init(&out, 1 << 20);
        ck_assert_int_eq(npy_encode_header(&expected.desc, &out, &err), OK);
        ck_assert_msg(out.length == file.length && memcmp(out.data, file.data, file.length) == 0,
                      "%s: header differs from numpy's:\n%.*s\nwant\n%.*s", names[i],
                      (int)out.length, out.data, (int)file.length, file.data);
        ck_assert_uint_eq(out.length % 64, 0);
        buffer_free(&out);
        free(header_path);
        free(desc_path);
        free(file.data);
    }
    free_names(names);
}
END_TEST

static void check_failing_fixtures(const char *directory, enum error_code want)
{
    size_t count;
    char path[512];
    char **names;

    snprintf(path, sizeof path, "%s/%s", NPY_FIXTURES, directory);
    names = list_fixtures(path, ".npy", &count);
    ck_assert_uint_gt(count, 20);
    for (size_t i = 0; i < count; i++) {
        char *npy_path = fixture_path(directory, names[i], ".npy");
        char *error_path = fixture_path(directory, names[i], ".error");
        struct file file = read_file(npy_path);
        char *substring = read_expected_error(error_path);
        struct array_desc desc, before;
        struct error err;
        size_t offset = 12345;
        enum error_code rc;

        memset(&desc, 0xa5, sizeof desc);
        before = desc;
        error_clear(&err);
        rc = npy_decode(file.data, file.length, &desc, &offset, &err);
        ck_assert_msg(rc == want, "%s/%s: rc %d, want %d (%s)", directory, names[i], rc, want,
                      err.message);
        ck_assert_msg(err.code == want, "%s/%s: err.code %d", directory, names[i], err.code);
        ck_assert_msg(strstr(err.message, substring) != NULL, "%s/%s: message \"%s\" lacks \"%s\"",
                      directory, names[i], err.message, substring);
        ck_assert_msg(memcmp(&desc, &before, sizeof desc) == 0 && offset == 12345,
                      "%s/%s: outputs written on failure", directory, names[i]);
        free(substring);
        free(npy_path);
        free(error_path);
        free(file.data);
    }
    free_names(names);
}

START_TEST(test_invalid_fixtures)
{
    check_failing_fixtures("invalid", ERR_BAD_INPUT);
}
END_TEST

START_TEST(test_declined_fixtures)
{
    check_failing_fixtures("declined", ERR_DECLINED);
}
END_TEST

static struct array_desc make_desc(enum element_kind kind, size_t itemsize, bool fortran,
                                   int ndim, const size_t *shape)
{
    struct array_desc desc;
    memset(&desc, 0, sizeof desc);
    desc.kind = kind;
    desc.itemsize = itemsize;
    desc.fortran_order = fortran;
    desc.ndim = ndim;
    for (int i = 0; i < ndim; i++)
        desc.shape[i] = shape[i];
    return desc;
}

START_TEST(test_encode_literal_header)
{
    static const char want[] =
        "\x93NUMPY\x01\x00\x76\x00{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }";
    size_t shape[] = {3};
    struct array_desc desc = make_desc(ELEMENT_FLOAT, 4, false, 1, shape);
    struct buffer out;
    struct error err;

    buffer_init(&out, 4096);
    ck_assert_int_eq(buffer_append_string(&out, "prefix"), OK);
    ck_assert_int_eq(npy_encode_header(&desc, &out, &err), OK);
    ck_assert_uint_eq(out.length, 6 + 128);
    ck_assert(memcmp(out.data, "prefix", 6) == 0); /* appended, not overwritten */
    ck_assert(memcmp(out.data + 6, want, sizeof want - 1) == 0);
    /* 20 growth spaces for "3", then padding, then '\n' */
    for (size_t i = 6 + sizeof want - 1; i < out.length - 1; i++)
        ck_assert_int_eq(out.data[i], ' ');
    ck_assert_int_eq(out.data[out.length - 1], '\n');
    buffer_free(&out);
}
END_TEST

START_TEST(test_encode_fortran_only_when_not_c_contiguous)
{
    struct {
        int ndim;
        size_t shape[3];
        bool written;
    } cases[] = {
        {0, {0}, false},        {1, {5}, false},        {2, {1, 5}, false},
        {2, {5, 1}, false},     {2, {0, 5}, false},     {3, {2, 0, 3}, false},
        {2, {2, 3}, true},      {3, {1, 2, 3}, true},   {3, {2, 1, 3}, true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct array_desc desc = make_desc(ELEMENT_INT, 2, true, cases[i].ndim, cases[i].shape);
        struct buffer out;
        struct error err;
        const char *want = cases[i].written ? "'fortran_order': True" : "'fortran_order': False";

        buffer_init(&out, 4096);
        ck_assert_int_eq(npy_encode_header(&desc, &out, &err), OK);
        ck_assert_msg(memmem(out.data, out.length, want, strlen(want)) != NULL,
                      "case %zu: %.*s", i, (int)out.length, out.data);
        buffer_free(&out);
    }
}
END_TEST

START_TEST(test_encode_refuses_bad_desc)
{
    size_t shape[ARRAY_MAX_DIMS + 1] = {0};
    struct array_desc cases[] = {
        make_desc(ELEMENT_FLOAT, 3, false, 1, shape),
        make_desc(ELEMENT_FLOAT, 16, false, 1, shape),
        make_desc(ELEMENT_BOOL, 2, false, 1, shape),
        make_desc(ELEMENT_COMPLEX, 4, false, 1, shape),
        make_desc(ELEMENT_INT, 16, false, 1, shape),
        make_desc(ELEMENT_INT, 4, false, -1, shape),
        make_desc(ELEMENT_INT, 4, false, ARRAY_MAX_DIMS, shape),
    };
    cases[5].ndim = -1;
    cases[6].ndim = ARRAY_MAX_DIMS + 1;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct buffer out;
        struct error err;

        buffer_init(&out, 4096);
        error_clear(&err);
        ck_assert_msg(npy_encode_header(&cases[i], &out, &err) == ERR_BAD_INPUT, "case %zu", i);
        ck_assert_uint_eq(out.length, 0);
        ck_assert(strstr(err.message, "no numeric dtype") != NULL);
        buffer_free(&out);
    }
}
END_TEST

START_TEST(test_encode_buffer_limit)
{
    size_t shape[] = {2, 3};
    struct array_desc desc = make_desc(ELEMENT_FLOAT, 8, false, 2, shape);
    struct buffer out;
    struct error err;

    buffer_init(&out, 127);
    ck_assert_int_eq(npy_encode_header(&desc, &out, &err), ERR_TOO_LARGE);
    ck_assert_ptr_null(out.data); /* the failed append freed the buffer */
    ck_assert_uint_eq(out.length, 0);
    buffer_init(&out, 128);
    ck_assert_int_eq(npy_encode_header(&desc, &out, &err), OK);
    ck_assert_uint_eq(out.length, 128);
    buffer_free(&out);
}
END_TEST

START_TEST(test_encode_decode_round_trip)
{
    const enum element_kind kinds[] = {ELEMENT_BOOL, ELEMENT_INT, ELEMENT_UINT, ELEMENT_FLOAT,
                                       ELEMENT_COMPLEX};
    const size_t sizes[][4] = {{1}, {1, 2, 4, 8}, {1, 2, 4, 8}, {2, 4, 8}, {8, 16}};
    const size_t counts[] = {1, 4, 4, 3, 2};
    size_t shape[] = {3, 1, 4};

    for (size_t k = 0; k < 5; k++) {
        for (size_t s = 0; s < counts[k]; s++) {
            for (int order = 0; order < 4; order++) {
                struct array_desc desc = make_desc(kinds[k], sizes[k][s], order & 1, 3, shape);
                struct array_desc decoded;
                struct buffer out;
                struct error err;
                size_t offset;
                char *file;

                desc.big_endian = (order & 2) && sizes[k][s] > 1;
                buffer_init(&out, 1 << 16);
                ck_assert_int_eq(npy_encode_header(&desc, &out, &err), OK);
                /* append a payload of the right size */
                file = calloc(1, out.length + 12 * sizes[k][s]);
                ck_assert_ptr_nonnull(file);
                memcpy(file, out.data, out.length);
                ck_assert_int_eq(npy_decode(file, out.length + 12 * sizes[k][s], &decoded,
                                            &offset, &err), OK);
                ck_assert_uint_eq(offset, out.length);
                assert_desc_equal("round trip", &decoded, &desc);
                free(file);
                buffer_free(&out);
            }
        }
    }
}
END_TEST

START_TEST(test_decode_extra_payload_ignored)
{
    static const char header[] = "{'descr': '<i2', 'fortran_order': False, 'shape': (2,)}";
    char file[128];
    struct array_desc desc;
    struct error err;
    size_t offset, header_length = sizeof header - 1;

    memcpy(file, "\x93NUMPY\x01\x00", 8);
    file[8] = (char)header_length;
    file[9] = 0;
    memcpy(file + 10, header, header_length);
    memset(file + 10 + header_length, 0x7f, 8);
    ck_assert_int_eq(npy_decode(file, 10 + header_length + 4, &desc, &offset, &err), OK);
    ck_assert_uint_eq(offset, 10 + header_length);
    ck_assert_int_eq(npy_decode(file, 10 + header_length + 8, &desc, &offset, &err), OK);
    ck_assert_int_eq(npy_decode(file, 10 + header_length + 3, &desc, &offset, &err),
                     ERR_BAD_INPUT);
    ck_assert(strstr(err.message, "expected 4 bytes, got 3") != NULL);
}
END_TEST

static Suite *npy_suite(void)
{
    Suite *suite = suite_create("npy");
    TCase *fixtures = tcase_create("fixtures");
    TCase *encode = tcase_create("encode");

    tcase_set_timeout(fixtures, 120);
    tcase_add_test(fixtures, test_valid_fixtures_decode);
    tcase_add_test(fixtures, test_canonical_headers_reencode);
    tcase_add_test(fixtures, test_encode_fixtures);
    tcase_add_test(fixtures, test_invalid_fixtures);
    tcase_add_test(fixtures, test_declined_fixtures);
    tcase_add_test(encode, test_encode_literal_header);
    tcase_add_test(encode, test_encode_fortran_only_when_not_c_contiguous);
    tcase_add_test(encode, test_encode_refuses_bad_desc);
    tcase_add_test(encode, test_encode_buffer_limit);
    tcase_add_test(encode, test_encode_decode_round_trip);
    tcase_add_test(encode, test_decode_extra_payload_ignored);
    suite_add_tcase(suite, fixtures);
    suite_add_tcase(suite, encode);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(npy_suite());
    int failed;

    srunner_run_all(runner, CK_NORMAL);
    failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
