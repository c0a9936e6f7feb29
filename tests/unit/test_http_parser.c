/*
 * http_parser: a table of valid and invalid request heads and chunked
 * bodies.  Every case is run three ways - all at once, split in two at every
 * byte boundary, and grown one byte at a time - and must give the same
 * answer each way: that is what proves the parser incremental.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_parser.h"

#define MAX_BODY (1024 * 1024)

static const struct http_parser_limits limits = {
    .max_head_bytes = HTTP_HEAD_MAX,
    .max_headers = HTTP_HEADERS_MAX,
    .max_target = HTTP_TARGET_MAX,
    .max_body = MAX_BODY,
};

/* ---- heads ------------------------------------------------------------ */

struct head_case {
    const char *name;
    const char *input;          /* NULL: built by make_input() */
    size_t length;              /* 0: strlen(input) */
    int status;                 /* 0: DONE; -1: NEED_MORE; else the error status */
    const char *method, *target;
    int minor;
    size_t header_count;
    enum http_body_framing framing;
    unsigned long long content_length;
    bool keep_alive, expect_continue;
    size_t head_length;         /* 0: the whole input */
};

#define GET11 "GET /ping HTTP/1.1\r\n"
#define FAILS(name, input, status) { name, input, 0, status, NULL, NULL, 0, 0, 0, 0, false, false, 0 }
#define FAILS_N(name, input, length, status) { name, input, length, status, NULL, NULL, 0, 0, 0, 0, false, false, 0 }
#define NEED_MORE(name, input) FAILS(name, input, -1)

static const struct head_case head_cases[] = {
    { "simple get", GET11 "Host: a\r\n\r\n", 0, 0, "GET", "/ping", 1, 1, HTTP_BODY_NONE, 0, true, false, 0 },
    { "no fields", GET11 "\r\n", 0, 0, "GET", "/ping", 1, 0, HTTP_BODY_NONE, 0, true, false, 0 },
    { "query kept", "GET /ping?a=b&c HTTP/1.1\r\n\r\n", 0, 0, "GET", "/ping?a=b&c", 1, 0, HTTP_BODY_NONE, 0, true, false, 0 },
    { "unknown method", "FOO-BAR * HTTP/1.1\r\n\r\n", 0, 0, "FOO-BAR", "*", 1, 0, HTTP_BODY_NONE, 0, true, false, 0 },
    { "leading empty lines", "\r\n\r\n" GET11 "\r\n", 0, 0, "GET", "/ping", 1, 0, HTTP_BODY_NONE, 0, true, false, 0 },
    { "1.0 closes", "GET / HTTP/1.0\r\n\r\n", 0, 0, "GET", "/", 0, 0, HTTP_BODY_NONE, 0, false, false, 0 },
    { "1.0 keep-alive", "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", 0, 0, "GET", "/", 0, 1, HTTP_BODY_NONE, 0, true, false, 0 },
    { "1.1 close", GET11 "Connection: close\r\n\r\n", 0, 0, "GET", "/ping", 1, 1, HTTP_BODY_NONE, 0, false, false, 0 },
    { "close in a list", GET11 "Connection: keep-alive , Upgrade,CLOSE\r\n\r\n", 0, 0, "GET", "/ping", 1, 1, HTTP_BODY_NONE, 0, false, false, 0 },
    { "close in a second field", GET11 "Connection: keep-alive\r\nConnection: close\r\n\r\n", 0, 0, "GET", "/ping", 1, 2, HTTP_BODY_NONE, 0, false, false, 0 },
    { "content-length body", "POST /invocations HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello", 0, 0, "POST", "/invocations", 1, 1, HTTP_BODY_LENGTH, 5, true, false, 49 },
    { "content-length zero", "POST / HTTP/1.1\r\ncontent-length: 0\r\n\r\n", 0, 0, "POST", "/", 1, 1, HTTP_BODY_LENGTH, 0, true, false, 0 },
    { "identical content-lengths", "POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 003\r\n\r\n", 0, 0, "POST", "/", 1, 2, HTTP_BODY_LENGTH, 3, true, false, 0 },
    { "content-length at the limit", "POST / HTTP/1.1\r\nContent-Length: 1048576\r\n\r\n", 0, 0, "POST", "/", 1, 1, HTTP_BODY_LENGTH, MAX_BODY, true, false, 0 },
    { "chunked", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n", 0, 0, "POST", "/", 1, 1, HTTP_BODY_CHUNKED, 0, true, false, 47 },
    { "chunked any case", "POST / HTTP/1.1\r\nTRANSFER-ENCODING: ChunKed\r\n\r\n", 0, 0, "POST", "/", 1, 1, HTTP_BODY_CHUNKED, 0, true, false, 0 },
    { "expect 100-continue", "POST / HTTP/1.1\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\n", 0, 0, "POST", "/", 1, 2, HTTP_BODY_LENGTH, 1, true, true, 0 },
    { "expect ignored in 1.0", "POST / HTTP/1.0\r\nExpect: 100-continue\r\n\r\n", 0, 0, "POST", "/", 0, 1, HTTP_BODY_NONE, 0, false, false, 0 },
    { "other expectation ignored", GET11 "Expect: something\r\n\r\n", 0, 0, "GET", "/ping", 1, 1, HTTP_BODY_NONE, 0, true, false, 0 },
    { "ows and empty values", GET11 "A:  x y \t\r\nB:\r\nC: \t \r\n\r\n", 0, 0, "GET", "/ping", 1, 3, HTTP_BODY_NONE, 0, true, false, 0 },
    { "obs-text value", GET11 "X: caf\xc3\xa9\r\n\r\n", 0, 0, "GET", "/ping", 1, 1, HTTP_BODY_NONE, 0, true, false, 0 },
    { "pipelined rest untouched", GET11 "\r\nGET /next HTTP/1.1\r\n\r\n", 0, 0, "GET", "/ping", 1, 0, HTTP_BODY_NONE, 0, true, false, 22 },
    { "max headers", NULL, 0, 0, "GET", "/ping", 1, HTTP_HEADERS_MAX, HTTP_BODY_NONE, 0, true, false, 0 },
    { "max target", NULL, 0, 0, "GET", NULL, 1, 0, HTTP_BODY_NONE, 0, true, false, 0 },

    NEED_MORE("unfinished head", GET11 "Host: a\r\n"),
    NEED_MORE("unfinished line", "GET /pi"),
    NEED_MORE("empty input", ""),

    FAILS("http 1.2", "GET / HTTP/1.2\r\n\r\n", 400),
    FAILS("http 2.0", "GET / HTTP/2.0\r\n\r\n", 400),
    FAILS("lowercase version", "GET / http/1.1\r\n\r\n", 400),
    FAILS("http 0.9", "GET /\r\n\r\n", 400),
    FAILS("double space", "GET  / HTTP/1.1\r\n\r\n", 400),
    FAILS("trailing space", "GET / HTTP/1.1 \r\n\r\n", 400),
    FAILS("no method", " / HTTP/1.1\r\n\r\n", 400),
    FAILS("bad method char", "G(T / HTTP/1.1\r\n\r\n", 400),
    FAILS("method too long", "ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFG / HTTP/1.1\r\n\r\n", 400),
    FAILS("bare lf request line", "GET / HTTP/1.1\n\r\n", 400),
    FAILS("bare lf field", GET11 "A: b\n\r\n", 400),
    FAILS("bare lf end", GET11 "\n", 400),
    FAILS("bare cr in value", GET11 "A: b\rc\r\n\r\n", 400),
    FAILS_N("nul in value", GET11 "A: b\0c\r\n\r\n", 30, 400),
    FAILS_N("nul in name", GET11 "A\0: b\r\n\r\n", 29, 400),
    FAILS_N("nul in target", "GET /a\0b HTTP/1.1\r\n\r\n", 21, 400),
    FAILS("del in value", GET11 "A: \x7f\r\n\r\n", 400),
    FAILS("obs-fold", GET11 "A: b\r\n c\r\n\r\n", 400),
    FAILS("space before colon", GET11 "A : b\r\n\r\n", 400),
    FAILS("empty name", GET11 ": b\r\n\r\n", 400),
    FAILS("no colon", GET11 "Ab\r\n\r\n", 400),
    FAILS("bad name char", GET11 "A(b): c\r\n\r\n", 400),
    FAILS("too many empty lines", "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n" GET11 "\r\n", 400),
    FAILS("content-length letters", "POST / HTTP/1.1\r\nContent-Length: 5a\r\n\r\n", 400),
    FAILS("content-length sign", "POST / HTTP/1.1\r\nContent-Length: +5\r\n\r\n", 400),
    FAILS("content-length negative", "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400),
    FAILS("content-length list", "POST / HTTP/1.1\r\nContent-Length: 5, 5\r\n\r\n", 400),
    FAILS("content-length empty", "POST / HTTP/1.1\r\nContent-Length:\r\n\r\n", 400),
    FAILS("conflicting content-lengths", "POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", 400),
    FAILS("content-length and chunked", "POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
    FAILS("chunked and content-length", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", 400),
    FAILS("smuggling beats 413", "POST / HTTP/1.1\r\nContent-Length: 99999999999\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
    FAILS("gzip", "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 400),
    FAILS("gzip then chunked", "POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 400),
    FAILS("chunked not last", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400),
    FAILS("chunked twice in a list", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", 400),
    FAILS("two te fields", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
    FAILS("te in 1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
    FAILS("body over limit", "POST / HTTP/1.1\r\nContent-Length: 1048577\r\n\r\n", 413),
    FAILS("content-length overflow", "POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n", 413),
    FAILS("target too long", NULL, 414),
    FAILS("huge target, bare lf", NULL, 414), /* found by the fuzzer: split must not change the answer */
    FAILS("huge unfinished target", NULL, 414),
    FAILS("too many headers", NULL, 431),
    FAILS("head too large", NULL, 431),
};

/* Inputs too large for a literal, built by case name (caller frees). */
static char *make_input(const char *name, size_t *length)
{
    size_t capacity = 2 * HTTP_HEAD_MAX, used = 0;
    char *text = malloc(capacity);
    ck_assert_ptr_nonnull(text);
#define ADD(...) (used += (size_t)snprintf(text + used, capacity - used, __VA_ARGS__))
    if (strcmp(name, "max headers") == 0 || strcmp(name, "too many headers") == 0) {
        int count = strcmp(name, "max headers") == 0 ? HTTP_HEADERS_MAX : HTTP_HEADERS_MAX + 1;
        ADD(GET11);
        for (int i = 0; i < count; i++)
            ADD("X-%d: %d\r\n", i, i);
        ADD("\r\n");
    } else if (strcmp(name, "max target") == 0 || strcmp(name, "target too long") == 0) {
        ADD("GET /");
        memset(text + used, 'a', HTTP_TARGET_MAX);
        used += HTTP_TARGET_MAX - (strcmp(name, "max target") == 0 ? 1 : 0);
        ADD(" HTTP/1.1\r\n\r\n");
    } else if (strcmp(name, "huge target, bare lf") == 0) {
        ADD("GET /");
        memset(text + used, 'a', HTTP_TARGET_MAX + 100);
        used += HTTP_TARGET_MAX + 100;
        ADD("\n");
    } else if (strcmp(name, "huge unfinished target") == 0) {
        ADD("GET /");
        memset(text + used, 'a', 70000);
        used += 70000;
    } else if (strcmp(name, "head too large") == 0) {
        ADD(GET11 "Big: ");
        memset(text + used, 'v', HTTP_HEAD_MAX);
        used += HTTP_HEAD_MAX;
        ADD("\r\n\r\n");
    } else {
        ck_abort_msg("no input for %s", name);
    }
#undef ADD
    *length = used;
    return text;
}

struct head_result {
    enum http_parse_status status;
    struct http_parser parser;
    struct http_header headers[HTTP_HEADERS_MAX];
};

static void check_same(const struct head_result *a, const struct head_result *b, const char *name, const char *how)
{
    ck_assert_msg(a->status == b->status, "%s (%s): status %d vs %d", name, how, a->status, b->status);
    if (a->status == HTTP_PARSE_ERROR) {
        ck_assert_msg(a->parser.error_status == b->parser.error_status, "%s (%s): error %d vs %d", name, how,
                      a->parser.error_status, b->parser.error_status);
    } else if (a->status == HTTP_PARSE_DONE) {
        ck_assert_msg(a->parser.head_length == b->parser.head_length, "%s (%s): head length", name, how);
        ck_assert_msg(a->parser.header_count == b->parser.header_count, "%s (%s): header count", name, how);
        ck_assert_msg(memcmp(a->headers, b->headers, a->parser.header_count * sizeof a->headers[0]) == 0,
                      "%s (%s): header spans", name, how);
        ck_assert_msg(a->parser.framing == b->parser.framing && a->parser.keep_alive == b->parser.keep_alive &&
                          a->parser.content_length == b->parser.content_length &&
                          a->parser.expect_continue == b->parser.expect_continue,
                      "%s (%s): framing", name, how);
    }
}

static void parse_whole(struct head_result *result, const char *input, size_t length)
{
    http_parser_init(&result->parser, &limits, result->headers);
    result->status = http_parser_feed(&result->parser, input, length);
}

static bool span_is(const char *input, struct http_span span, const char *expected)
{
    return span.length == strlen(expected) && memcmp(input + span.offset, expected, span.length) == 0;
}

START_TEST(head_table)
{
    const struct head_case *c = &head_cases[_i];
    size_t length = c->length ? c->length : (c->input ? strlen(c->input) : 0);
    char *built = c->input ? NULL : make_input(c->name, &length);
    const char *input = c->input ? c->input : built;
    struct head_result *whole = malloc(sizeof *whole), *split = malloc(sizeof *split);
    ck_assert_ptr_nonnull(whole);
    ck_assert_ptr_nonnull(split);

    parse_whole(whole, input, length);
    if (c->status == 0) {
        ck_assert_msg(whole->status == HTTP_PARSE_DONE, "%s: status %d (%d %s)", c->name, whole->status,
                      whole->parser.error_status, whole->parser.error_message);
        ck_assert_msg(span_is(input, whole->parser.method, c->method), "%s: method", c->name);
        if (c->target != NULL)
            ck_assert_msg(span_is(input, whole->parser.target, c->target), "%s: target", c->name);
        ck_assert_int_eq(whole->parser.version_minor, c->minor);
        ck_assert_uint_eq(whole->parser.header_count, c->header_count);
        ck_assert_int_eq(whole->parser.framing, c->framing);
        if (c->framing == HTTP_BODY_LENGTH)
            ck_assert_uint_eq(whole->parser.content_length, c->content_length);
        ck_assert_msg(whole->parser.keep_alive == c->keep_alive, "%s: keep-alive", c->name);
        ck_assert_msg(whole->parser.expect_continue == c->expect_continue, "%s: expect", c->name);
        ck_assert_uint_eq(whole->parser.head_length, c->head_length ? c->head_length : length);
    } else if (c->status < 0) {
        ck_assert_msg(whole->status == HTTP_PARSE_NEED_MORE, "%s: status %d", c->name, whole->status);
    } else {
        ck_assert_msg(whole->status == HTTP_PARSE_ERROR && whole->parser.error_status == c->status,
                      "%s: status %d error %d", c->name, whole->status, whole->parser.error_status);
        ck_assert_msg(whole->parser.error_message[0] != '\0', "%s: no message", c->name);
    }

    /* In two pieces, at every boundary (coarser steps for the big inputs). */
    size_t step = length > 4096 ? 997 : 1;
    for (size_t cut = 0; cut <= length; cut += step) {
        http_parser_init(&split->parser, &limits, split->headers);
        split->status = http_parser_feed(&split->parser, input, cut);
        if (split->status == HTTP_PARSE_NEED_MORE)
            split->status = http_parser_feed(&split->parser, input, length);
        check_same(whole, split, c->name, "split");
    }
    /* Growing one byte at a time. */
    http_parser_init(&split->parser, &limits, split->headers);
    split->status = HTTP_PARSE_NEED_MORE;
    for (size_t grown = 0; grown <= length && split->status == HTTP_PARSE_NEED_MORE; grown++)
        split->status = http_parser_feed(&split->parser, input, grown);
    check_same(whole, split, c->name, "bytewise");
    free(whole);
    free(split);
    free(built);
}
END_TEST

START_TEST(header_spans)
{
    const char *input = GET11 "Content-Type:  text/csv ; q=1 \t\r\nEmpty:\r\nX-Y:z\r\n\r\n";
    struct head_result result;
    parse_whole(&result, input, strlen(input));
    ck_assert_int_eq(result.status, HTTP_PARSE_DONE);
    ck_assert_uint_eq(result.parser.header_count, 3);
    ck_assert(span_is(input, result.headers[0].name, "Content-Type"));
    ck_assert(span_is(input, result.headers[0].value, "text/csv ; q=1"));
    ck_assert(span_is(input, result.headers[1].name, "Empty"));
    ck_assert(span_is(input, result.headers[1].value, ""));
    ck_assert(span_is(input, result.headers[2].value, "z"));
    /* The byte after every span is a delimiter, so a copy can be cut in place. */
    ck_assert_int_eq(input[result.headers[0].name.offset + result.headers[0].name.length], ':');
    ck_assert_int_eq(input[result.parser.target.offset + result.parser.target.length], ' ');
}
END_TEST

START_TEST(reset_and_final_errors)
{
    const char *bad = "GET / HTTP/3.0\r\n\r\n", *good = "POST /x HTTP/1.1\r\nContent-Length: 2\r\n\r\nab";
    struct head_result result;
    parse_whole(&result, bad, strlen(bad));
    ck_assert_int_eq(result.status, HTTP_PARSE_ERROR);
    /* Errors stick until reset. */
    ck_assert_int_eq(http_parser_feed(&result.parser, good, strlen(good)), HTTP_PARSE_ERROR);
    http_parser_reset(&result.parser);
    ck_assert_int_eq(http_parser_feed(&result.parser, good, strlen(good)), HTTP_PARSE_DONE);
    ck_assert_uint_eq(result.parser.content_length, 2);
    ck_assert_uint_eq(result.parser.head_length, strlen(good) - 2);
    ck_assert_int_eq(http_parser_feed(&result.parser, good, strlen(good)), HTTP_PARSE_DONE);
}
END_TEST

START_TEST(small_limits)
{
    struct http_parser_limits small = { .max_head_bytes = 64, .max_headers = 2, .max_target = 8, .max_body = 10 };
    struct http_header headers[2];
    struct http_parser parser;
    const char *three = GET11 "A: 1\r\nB: 2\r\nC: 3\r\n\r\n";
    const char *long_target = "GET /123456789 HTTP/1.1\r\n\r\n";
    const char *body = "POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n";

    http_parser_init(&parser, &small, headers);
    ck_assert_int_eq(http_parser_feed(&parser, three, strlen(three)), HTTP_PARSE_ERROR);
    ck_assert_int_eq(parser.error_status, 431);
    http_parser_reset(&parser);
    ck_assert_int_eq(http_parser_feed(&parser, long_target, strlen(long_target)), HTTP_PARSE_ERROR);
    ck_assert_int_eq(parser.error_status, 414);
    http_parser_reset(&parser);
    ck_assert_int_eq(http_parser_feed(&parser, body, strlen(body)), HTTP_PARSE_ERROR);
    ck_assert_int_eq(parser.error_status, 413);
    ck_assert_ptr_nonnull(strstr(parser.error_message, "10 bytes"));
}
END_TEST

/* ---- chunked ---------------------------------------------------------- */

struct chunk_case {
    const char *name;
    const char *input;
    size_t length;             /* 0: strlen */
    int status;                /* 0: DONE; -1: NEED_MORE; else the error status */
    const char *payload;       /* decoded, for DONE */
    size_t consumed;           /* 0: the whole input */
};

static const struct chunk_case chunk_cases[] = {
    { "one chunk", "5\r\nhello\r\n0\r\n\r\n", 0, 0, "hello", 0 },
    { "several chunks", "3\r\nabc\r\nA\r\n0123456789\r\n1\r\nZ\r\n0\r\n\r\n", 0, 0, "abc0123456789Z", 0 },
    { "leading zeros and case", "0005\r\nhello\r\n000\r\n\r\n", 0, 0, "hello", 0 },
    { "hex letters", "a\r\n0123456789\r\nF\r\n0123456789abcde\r\n0\r\n\r\n", 0, 0, "01234567890123456789abcde", 0 },
    { "extensions ignored", "5;name=\"v;x\"\r\nhello\r\n0;last\r\n\r\n", 0, 0, "hello", 0 },
    { "space before extension", "5 \t;x=1\r\nhello\r\n0 \r\n\r\n", 0, 0, "hello", 0 },
    { "trailers skipped", "5\r\nhello\r\n0\r\nX-Sum: 1\r\nY:\r\n\r\n", 0, 0, "hello", 0 },
    { "empty body", "0\r\n\r\n", 0, 0, "", 0 },
    { "crlf in payload", "4\r\n\r\n\r\n\r\n0\r\n\r\n", 0, 0, "\r\n\r\n", 0 },
    { "next request untouched", "1\r\nx\r\n0\r\n\r\nGET / HTTP/1.1\r\n", 0, 0, "x", 11 },
    { "at the limit", "100000\r\n", 0, -1, NULL, 0 },
    { "unfinished", "5\r\nhel", 0, -1, NULL, 0 },
    { "unfinished trailer", "0\r\nX: 1\r\n", 0, -1, NULL, 0 },

    { "empty size", "\r\nhello\r\n", 0, 400, NULL, 0 },
    { "not hex", "x\r\n", 0, 400, NULL, 0 },
    { "sign", "+5\r\nhello\r\n0\r\n\r\n", 0, 400, NULL, 0 },
    { "junk after size", "5 x\r\nhello\r\n", 0, 400, NULL, 0 },
    { "bare lf size", "5\nhello\r\n0\r\n\r\n", 0, 400, NULL, 0 },
    { "data too long", "5\r\nhelloX\r\n0\r\n\r\n", 0, 400, NULL, 0 },
    { "data without crlf", "5\r\nhello0\r\n\r\n", 0, 400, NULL, 0 },
    { "bare lf after data", "5\r\nhello\n0\r\n\r\n", 0, 400, NULL, 0 },
    { "nul in extension", "5;a\0b\r\nhello\r\n", 14, 400, NULL, 0 },
    { "bare lf in trailer", "0\r\nX: 1\n\r\n", 0, 400, NULL, 0 },
    { "bare cr final", "0\r\n\rX", 0, 400, NULL, 0 },
    { "size beyond 64 bits", "10000000000000000\r\n", 0, 400, NULL, 0 },
    { "over the limit", "100001\r\n", 0, 413, NULL, 0 },
    { "sum over the limit", "80000\r\n", 0, -2, NULL, 0 }, /* built: two 0x80000 chunks + 1 */
    { "huge size", "FFFFFFFFFFFFFFFF\r\n", 0, 413, NULL, 0 },
    { "extension too long", NULL, 0, 400, NULL, 0 },
    { "trailer too large", NULL, 0, 431, NULL, 0 },
};

static char *make_chunk_input(const char *name, size_t *length)
{
    size_t capacity = 3 * MAX_BODY, used = 0;
    char *text = malloc(capacity);
    ck_assert_ptr_nonnull(text);
    if (strcmp(name, "extension too long") == 0) {
        used = (size_t)sprintf(text, "5;");
        memset(text + used, 'e', HTTP_CHUNK_LINE_MAX);
        used += HTTP_CHUNK_LINE_MAX;
        used += (size_t)sprintf(text + used, "\r\nhello\r\n0\r\n\r\n");
    } else if (strcmp(name, "trailer too large") == 0) {
        used = (size_t)sprintf(text, "0\r\nX: ");
        memset(text + used, 't', HTTP_HEAD_MAX);
        used += HTTP_HEAD_MAX;
        used += (size_t)sprintf(text + used, "\r\n\r\n");
    } else { /* sum over the limit */
        for (int i = 0; i < 2; i++) {
            used += (size_t)sprintf(text + used, "80000\r\n");
            memset(text + used, 'p', 0x80000);
            used += 0x80000;
            used += (size_t)sprintf(text + used, "\r\n");
        }
        used += (size_t)sprintf(text + used, "1\r\nq\r\n0\r\n\r\n");
    }
    *length = used;
    return text;
}

struct chunk_result {
    enum http_parse_status status;
    int error_status;
    size_t consumed;
    char *payload;
    size_t payload_length;
};

/* Feeds input in pieces ending at the given cut points; the decoder sees
 * each piece's unconsumed rest, as a buffering caller would give it. */
static void decode(struct chunk_result *result, const char *input, size_t length, const size_t *cuts, size_t cut_count)
{
    struct http_chunked chunked;
    size_t position = 0;

    http_chunked_init(&chunked, MAX_BODY, HTTP_HEAD_MAX);
    result->payload = malloc(length + 1);
    ck_assert_ptr_nonnull(result->payload);
    result->payload_length = 0;
    result->status = HTTP_PARSE_NEED_MORE;
    for (size_t piece = 0; piece <= cut_count && result->status == HTTP_PARSE_NEED_MORE; piece++) {
        size_t end = piece < cut_count ? cuts[piece] : length;
        for (;;) {
            size_t skip, data_length;
            result->status = http_chunked_feed(&chunked, input + position, end - position, &skip, &data_length);
            ck_assert_uint_le(skip + data_length, end - position);
            position += skip;
            if (result->status != HTTP_PARSE_DATA)
                break;
            ck_assert_uint_gt(data_length, 0);
            memcpy(result->payload + result->payload_length, input + position, data_length);
            result->payload_length += data_length;
            position += data_length;
        }
    }
    result->consumed = position;
    result->error_status = chunked.error_status;
    if (result->status != HTTP_PARSE_ERROR) /* accepted chunks = taken + still owed */
        ck_assert_uint_eq(chunked.total, result->payload_length + chunked.remaining);
}

START_TEST(chunk_table)
{
    const struct chunk_case *c = &chunk_cases[_i];
    size_t length = c->length ? c->length : (c->input ? strlen(c->input) : 0);
    char *built = (c->input == NULL || c->status == -2) ? make_chunk_input(c->name, &length) : NULL;
    const char *input = built ? built : c->input;
    int expected = c->status == -2 ? 413 : c->status;
    struct chunk_result whole, other;

    decode(&whole, input, length, NULL, 0);
    if (expected == 0) {
        ck_assert_msg(whole.status == HTTP_PARSE_DONE, "%s: status %d (%d)", c->name, whole.status, whole.error_status);
        ck_assert_uint_eq(whole.payload_length, strlen(c->payload));
        ck_assert(memcmp(whole.payload, c->payload, whole.payload_length) == 0);
        ck_assert_uint_eq(whole.consumed, c->consumed ? c->consumed : length);
    } else if (expected < 0) {
        ck_assert_msg(whole.status == HTTP_PARSE_NEED_MORE, "%s: status %d", c->name, whole.status);
        ck_assert_uint_eq(whole.consumed, length);
    } else {
        ck_assert_msg(whole.status == HTTP_PARSE_ERROR && whole.error_status == expected, "%s: status %d error %d",
                      c->name, whole.status, whole.error_status);
    }

    size_t step = length > 4096 ? 4099 : 1;
    for (size_t cut = 0; cut <= length; cut += step) {
        decode(&other, input, length, &cut, 1);
        ck_assert_msg(other.status == whole.status && other.error_status == whole.error_status,
                      "%s: split at %zu", c->name, cut);
        if (whole.status == HTTP_PARSE_DONE) {
            ck_assert_uint_eq(other.consumed, whole.consumed);
            ck_assert(other.payload_length == whole.payload_length &&
                      memcmp(other.payload, whole.payload, whole.payload_length) == 0);
        }
        free(other.payload);
    }
    if (length <= 4096) {
        size_t *cuts = malloc((length + 1) * sizeof *cuts);
        ck_assert_ptr_nonnull(cuts);
        for (size_t i = 0; i < length; i++)
            cuts[i] = i + 1;
        decode(&other, input, length, cuts, length);
        ck_assert_msg(other.status == whole.status && other.error_status == whole.error_status, "%s: bytewise", c->name);
        ck_assert(other.payload_length == whole.payload_length &&
                  memcmp(other.payload, whole.payload, whole.payload_length) == 0);
        free(other.payload);
        free(cuts);
    }
    free(whole.payload);
    free(built);
}
END_TEST

static Suite *http_parser_suite(void)
{
    Suite *suite = suite_create("http_parser");
    TCase *heads = tcase_create("heads");
    TCase *chunks = tcase_create("chunked");
    tcase_set_timeout(heads, 60);
    tcase_set_timeout(chunks, 60);
    tcase_add_loop_test(heads, head_table, 0, (int)(sizeof head_cases / sizeof head_cases[0]));
    tcase_add_test(heads, header_spans);
    tcase_add_test(heads, reset_and_final_errors);
    tcase_add_test(heads, small_limits);
    tcase_add_loop_test(chunks, chunk_table, 0, (int)(sizeof chunk_cases / sizeof chunk_cases[0]));
    suite_add_tcase(suite, heads);
    suite_add_tcase(suite, chunks);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(http_parser_suite());
    int failed;
    srunner_run_all(runner, CK_NORMAL);
    failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
