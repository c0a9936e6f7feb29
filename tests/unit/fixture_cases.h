/*
 * fixture_cases: drives a text codec's Check tests from data, for test_json
 * and test_csv: the hand-made fixture directories
 * (ROOT/{valid,invalid,declined}/NAME/{input,expected|error}) and the
 * generated.cases records gen_text_cases.py took from the Python reference
 * (see it for the record layout).  The runners list every failing case on
 * stderr, then fail the running Check test, so one run shows them all.
 */
#ifndef HOOKHOST_FIXTURE_CASES_H
#define HOOKHOST_FIXTURE_CASES_H

#include <stddef.h>

#include "array_desc.h"
#include "buffer.h"
#include "error.h"

typedef enum error_code (*fixture_decoder)(const char *, size_t, struct array_desc *, float **, struct error *);
typedef enum error_code (*fixture_encoder)(const struct array_desc *, const void *, struct buffer *,
                                           struct error *);

/* A mode generated.cases names ("json", "jsonlines", "csv") and its codec. */
struct fixture_mode {
    const char *name;
    fixture_decoder decode;
    fixture_encoder encode;
};

/* The file's bytes, malloc'd and NUL-terminated (not counted in *length);
 * NULL if it cannot be opened. */
char *fixture_read_file(const char *path, size_t *length);

/* Every case directory under root/kind ("valid", "invalid" or "declined")
 * through decode; fails unless there are some and all pass. */
void fixture_run_directories(fixture_decoder decode, const char *root, const char *kind);

/* Every record of the generated.cases file at path, each through the mode
 * it names; fails unless all pass and there are over 1000 of each of
 * decode and encode records. */
void fixture_run_generated(const char *path, const struct fixture_mode *modes, size_t mode_count);

/* Encodes into a buffer of the given max and, on OK, asserts the output is
 * text; on failure asserts the buffer was left empty.  Returns the code. */
enum error_code fixture_encode_to(fixture_encoder encode, const struct array_desc *desc, const void *data,
                                  size_t max, const char *text);

/* Encodes data with no limit, then asserts that a buffer max of exactly
 * that length fits it and that one byte less, or small, is refused with
 * ERR_TOO_LARGE: the encoder's reserve slack never refuses what fits. */
void fixture_check_exact_maximum(fixture_encoder encode, const struct array_desc *desc, const void *data,
                                 size_t small);

#endif
