/*
 * libFuzzer target for http_parser: the request framing the server trusts.
 *
 * The first byte picks the limits (tiny ones reach 413/414/431 quickly) and
 * a split step; the rest is a stream of pipelined requests.  For each
 * request the head is parsed twice - whole, and in pieces - and chunked
 * bodies are decoded twice; the two runs must agree exactly, and every
 * result must be self-consistent (spans inside the head, the byte after a
 * name is ':', values free of CR/LF/NUL, a head ending in CRLF CRLF).
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Isrc src/http_parser.c \
 *       tests/fuzz/fuzz_http_parser.c -o fuzz_http_parser
 *   ./fuzz_http_parser tests/fuzz/corpus/http
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http_parser.h"

#define REQUESTS_MAX 8

static void check(int condition)
{
    if (!condition)
        abort();
}

static enum http_parse_status parse_head(struct http_parser *parser, const char *data, size_t length, size_t step)
{
    enum http_parse_status status = HTTP_PARSE_NEED_MORE;
    for (size_t have = step; status == HTTP_PARSE_NEED_MORE; have += step) {
        if (have > length)
            have = length;
        status = http_parser_feed(parser, data, have);
        if (have == length)
            break;
    }
    return status;
}

static void check_head(const struct http_parser *parser, const char *data)
{
    size_t head = parser->head_length;
    check(head >= 4 && memcmp(data + head - 4, "\r\n\r\n", 4) == 0);
    check(parser->method.length > 0 && parser->method.offset + parser->method.length < head);
    check(data[parser->method.offset + parser->method.length] == ' ');
    check(parser->target.length > 0 && data[parser->target.offset + parser->target.length] == ' ');
    check(parser->version_minor == 0 || parser->version_minor == 1);
    check(parser->header_count <= parser->limits.max_headers);
    for (size_t i = 0; i < parser->header_count; i++) {
        const struct http_header *header = &parser->headers[i];
        check(header->name.length > 0 && data[header->name.offset + header->name.length] == ':');
        check(header->value.offset + header->value.length < head);
        for (size_t j = 0; j < header->value.length; j++) {
            char c = data[header->value.offset + j];
            check(c != '\r' && c != '\n' && c != '\0');
        }
    }
    if (parser->framing == HTTP_BODY_LENGTH)
        check(parser->content_length <= parser->limits.max_body);
}

/* Decodes a chunked body from data, `step` bytes made visible at a time.
 * Returns the status; *consumed and the payload hash describe the run. */
static enum http_parse_status decode_chunked(const char *data, size_t length, size_t step, uint64_t max_body,
                                             size_t *consumed, uint64_t *payload_bytes, uint64_t *payload_hash)
{
    struct http_chunked chunked;
    enum http_parse_status status = HTTP_PARSE_NEED_MORE;
    size_t position = 0, visible = 0;

    http_chunked_init(&chunked, max_body, 256);
    *payload_bytes = 0;
    *payload_hash = 1469598103934665603ull;
    while (status != HTTP_PARSE_DONE && status != HTTP_PARSE_ERROR) {
        size_t skip, data_length;
        if (status == HTTP_PARSE_NEED_MORE) {
            if (visible == length)
                break;
            visible = visible + step > length ? length : visible + step;
        }
        status = http_chunked_feed(&chunked, data + position, visible - position, &skip, &data_length);
        check(skip + data_length <= visible - position);
        position += skip;
        if (status == HTTP_PARSE_DATA) {
            check(data_length > 0);
            for (size_t i = 0; i < data_length; i++)
                *payload_hash = (*payload_hash ^ (unsigned char)data[position + i]) * 1099511628211ull;
            *payload_bytes += data_length;
            position += data_length;
        }
    }
    check(*payload_bytes <= max_body);
    if (status == HTTP_PARSE_ERROR)
        check(chunked.error_status == 400 || chunked.error_status == 413 || chunked.error_status == 431);
    *consumed = position;
    return status;
}

int LLVMFuzzerTestOneInput(const uint8_t *bytes, size_t size)
{
    struct http_parser_limits limits;
    struct http_header *headers_a, *headers_b;
    struct http_parser a, b;
    const char *data;
    size_t length, step;

    if (size < 1)
        return 0;
    limits.max_head_bytes = (bytes[0] & 1) ? 256 : HTTP_HEAD_MAX;
    limits.max_headers = (bytes[0] & 2) ? 4 : HTTP_HEADERS_MAX;
    limits.max_target = (bytes[0] & 4) ? 16 : HTTP_TARGET_MAX;
    limits.max_body = (bytes[0] & 8) ? 64 : 1024 * 1024;
    step = (size_t)(bytes[0] >> 4) + 1;
    data = (const char *)bytes + 1;
    length = size - 1;

    headers_a = malloc(limits.max_headers * sizeof *headers_a);
    headers_b = malloc(limits.max_headers * sizeof *headers_b);
    check(headers_a != NULL && headers_b != NULL);
    http_parser_init(&a, &limits, headers_a);
    http_parser_init(&b, &limits, headers_b);

    for (int request = 0; request < REQUESTS_MAX && length > 0; request++) {
        enum http_parse_status whole = http_parser_feed(&a, data, length);
        enum http_parse_status pieces = parse_head(&b, data, length, step);

        check(whole == pieces);
        if (whole == HTTP_PARSE_ERROR) {
            check(a.error_status == b.error_status);
            check(a.error_status == 400 || a.error_status == 413 || a.error_status == 414 || a.error_status == 431);
            check(a.error_message[0] != '\0');
            break;
        }
        if (whole != HTTP_PARSE_DONE)
            break;
        check(a.head_length == b.head_length && a.header_count == b.header_count);
        check(a.framing == b.framing && a.keep_alive == b.keep_alive && a.content_length == b.content_length);
        check(memcmp(headers_a, headers_b, a.header_count * sizeof *headers_a) == 0);
        check(a.head_length <= length && a.head_length <= limits.max_head_bytes);
        check_head(&a, data);
        data += a.head_length;
        length -= a.head_length;

        if (a.framing == HTTP_BODY_LENGTH) {
            if (a.content_length > length)
                break;
            data += a.content_length;
            length -= (size_t)a.content_length;
        } else if (a.framing == HTTP_BODY_CHUNKED) {
            size_t consumed_whole, consumed_pieces;
            uint64_t bytes_whole, bytes_pieces, hash_whole, hash_pieces;
            enum http_parse_status status_whole =
                decode_chunked(data, length, length ? length : 1, limits.max_body, &consumed_whole, &bytes_whole, &hash_whole);
            enum http_parse_status status_pieces =
                decode_chunked(data, length, step, limits.max_body, &consumed_pieces, &bytes_pieces, &hash_pieces);
            check(status_whole == status_pieces);
            if (status_whole != HTTP_PARSE_DONE)
                break;
            check(consumed_whole == consumed_pieces && bytes_whole == bytes_pieces && hash_whole == hash_pieces);
            data += consumed_whole;
            length -= consumed_whole;
        }
        http_parser_reset(&a);
        http_parser_reset(&b);
    }
    free(headers_a);
    free(headers_b);
    return 0;
}
