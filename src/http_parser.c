/*
 * http_parser: request heads line by line, chunked bodies byte by byte.
 *
 * The head parser works on whole lines: it searches for LF with memchr from
 * where the last search stopped, and parses a line only once it is complete,
 * so resuming costs nothing and a line is never half-interpreted.  The one
 * exception is a request line that has already grown past any valid length:
 * it is examined unfinished, so a huge URL is refused with 414 as soon as it
 * is known to be one, not when the 64 KiB head limit finally trips.
 *
 * Framing headers are interpreted as each line completes; the decisions that
 * need every field (both CL and TE, the 413 from Content-Length) are taken on
 * the empty line that ends the head, smuggling checks first.
 *
 * The chunked decoder is a byte-level state machine instead, because its
 * framing is interleaved with payload the caller must be able to move in
 * bulk: it stops in front of every run of payload bytes and reports it.
 */
#include "http_parser.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum { HEAD_REQUEST_LINE, HEAD_FIELDS, HEAD_DONE, HEAD_ERROR };

#define EMPTY_LINES_MAX 8
#define VERSION_LENGTH 8 /* "HTTP/1.1" */

static bool is_tchar(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* A control byte that may not appear in a field value or chunk extension. */
static bool is_forbidden_control(unsigned char c)
{
    return (c < 0x20 && c != '\t') || c == 0x7f;
}

static bool equals_ignoring_case(const char *text, size_t length, const char *lower)
{
    size_t i = 0;
    for (; i < length && lower[i] != '\0'; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c - 'A' + 'a');
        if (c != (unsigned char)lower[i])
            return false;
    }
    return i == length && lower[i] == '\0';
}

static enum http_parse_status head_fail(struct http_parser *parser, int status, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static enum http_parse_status head_fail(struct http_parser *parser, int status, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    vsnprintf(parser->error_message, sizeof parser->error_message, format, args);
    va_end(args);
    parser->error_status = status;
    parser->state = HEAD_ERROR;
    return HTTP_PARSE_ERROR;
}

void http_parser_init(struct http_parser *parser, const struct http_parser_limits *limits,
                      struct http_header *headers)
{
    memset(parser, 0, sizeof *parser);
    parser->limits = *limits;
    if (parser->limits.max_head_bytes > UINT32_MAX)
        parser->limits.max_head_bytes = UINT32_MAX; /* spans are 32-bit */
    parser->headers = headers;
}

void http_parser_reset(struct http_parser *parser)
{
    struct http_parser_limits limits = parser->limits;
    struct http_header *headers = parser->headers;
    memset(parser, 0, sizeof *parser);
    parser->limits = limits;
    parser->headers = headers;
}

static struct http_span span(size_t start, size_t end)
{
    struct http_span result = { (uint32_t)start, (uint32_t)(end - start) };
    return result;
}

/* Parses the request line in data[start, end) (CRLF excluded).  With
 * complete false the line is unfinished: only errors are reported, and OK
 * (NEED_MORE) means "no error yet". */
static enum http_parse_status parse_request_line(struct http_parser *parser, const char *data, size_t start,
                                                 size_t end, bool complete)
{
    size_t i = start, target_start;

    while (i < end && is_tchar((unsigned char)data[i]))
        i++;
    if (i - start > HTTP_METHOD_MAX)
        return head_fail(parser, 400, "request method longer than %d bytes", HTTP_METHOD_MAX);
    if (i == end && !complete)
        return HTTP_PARSE_NEED_MORE;
    if (i == start || i == end || data[i] != ' ')
        return head_fail(parser, 400, "malformed request line: expected METHOD SP TARGET SP HTTP/1.x");
    parser->method = span(start, i);

    target_start = ++i;
    while (i < end && data[i] != ' ') {
        unsigned char c = (unsigned char)data[i];
        if (c < 0x20 || c == 0x7f)
            return head_fail(parser, 400, "control character in the request target");
        if (++i - target_start > parser->limits.max_target)
            return head_fail(parser, 414, "request target longer than %zu bytes", parser->limits.max_target);
    }
    if (i == end && !complete)
        return HTTP_PARSE_NEED_MORE;
    if (i == target_start || i == end)
        return head_fail(parser, 400, "malformed request line: expected METHOD SP TARGET SP HTTP/1.x");
    parser->target = span(target_start, i);

    i++;
    if (!complete)
        return end - i > VERSION_LENGTH ? head_fail(parser, 400, "malformed HTTP version") : HTTP_PARSE_NEED_MORE;
    if (end - i != VERSION_LENGTH || memcmp(data + i, "HTTP/1.", 7) != 0 ||
        (data[i + 7] != '0' && data[i + 7] != '1'))
        return head_fail(parser, 400, "unsupported HTTP version (HTTP/1.0 and HTTP/1.1 are served)");
    parser->version_minor = data[i + 7] - '0';
    return HTTP_PARSE_NEED_MORE;
}

static enum http_parse_status parse_content_length(struct http_parser *parser, const char *value, size_t length)
{
    uint64_t number = 0;
    bool overflow = false;

    if (length == 0)
        return head_fail(parser, 400, "empty Content-Length");
    for (size_t i = 0; i < length; i++) {
        unsigned digit = (unsigned char)value[i] - '0';
        if (digit > 9)
            return head_fail(parser, 400, "Content-Length is not a decimal number");
        if (number > (UINT64_MAX - digit) / 10)
            overflow = true;
        else
            number = number * 10 + digit;
    }
    if (overflow)
        number = UINT64_MAX; /* certainly over max_body: 413 at the end of the head */
    if (parser->has_content_length && number != parser->content_length)
        return head_fail(parser, 400, "conflicting Content-Length values");
    parser->has_content_length = true;
    parser->content_length = number;
    parser->content_length_overflow = parser->content_length_overflow || overflow;
    return HTTP_PARSE_NEED_MORE;
}

/* Notes "close" and "keep-alive" among the comma-separated options. */
static void parse_connection(struct http_parser *parser, const char *value, size_t length)
{
    size_t i = 0;
    while (i < length) {
        size_t start, end;
        while (i < length && (value[i] == ' ' || value[i] == '\t' || value[i] == ','))
            i++;
        start = i;
        while (i < length && value[i] != ',')
            i++;
        end = i;
        while (end > start && (value[end - 1] == ' ' || value[end - 1] == '\t'))
            end--;
        if (equals_ignoring_case(value + start, end - start, "close"))
            parser->connection_close = true;
        else if (equals_ignoring_case(value + start, end - start, "keep-alive"))
            parser->connection_keep_alive = true;
    }
}

/* Interprets a stored field that matters for framing or the connection. */
static enum http_parse_status interpret_field(struct http_parser *parser, const char *data,
                                              const struct http_header *header)
{
    const char *name = data + header->name.offset;
    const char *value = data + header->value.offset;
    size_t name_length = header->name.length, value_length = header->value.length;

    if (equals_ignoring_case(name, name_length, "content-length"))
        return parse_content_length(parser, value, value_length);
    if (equals_ignoring_case(name, name_length, "transfer-encoding")) {
        if (parser->has_transfer_encoding)
            return head_fail(parser, 400, "more than one Transfer-Encoding field");
        if (!equals_ignoring_case(value, value_length, "chunked"))
            return head_fail(parser, 400, "unsupported Transfer-Encoding (only \"chunked\" is accepted)");
        parser->has_transfer_encoding = true;
    } else if (equals_ignoring_case(name, name_length, "connection")) {
        parse_connection(parser, value, value_length);
    } else if (equals_ignoring_case(name, name_length, "expect")) {
        if (equals_ignoring_case(value, value_length, "100-continue"))
            parser->expect_continue = true;
    }
    return HTTP_PARSE_NEED_MORE;
}

/* Parses the field line data[start, end) (CRLF excluded). */
static enum http_parse_status parse_field(struct http_parser *parser, const char *data, size_t start, size_t end)
{
    struct http_header *header;
    size_t i = start, value_start, value_end;

    if (data[start] == ' ' || data[start] == '\t')
        return head_fail(parser, 400, "obsolete line folding in the header");
    while (i < end && is_tchar((unsigned char)data[i]))
        i++;
    if (i == start || i == end || data[i] != ':')
        return head_fail(parser, 400, (i < end && (data[i] == ' ' || data[i] == '\t'))
                                          ? "whitespace between a header field name and ':'"
                                          : "malformed header field name");
    if (parser->header_count >= parser->limits.max_headers)
        return head_fail(parser, 431, "more than %zu header fields", parser->limits.max_headers);

    header = &parser->headers[parser->header_count++];
    header->name = span(start, i);
    i++;
    while (i < end && (data[i] == ' ' || data[i] == '\t'))
        i++;
    value_start = value_end = i;
    for (; i < end; i++) {
        unsigned char c = (unsigned char)data[i];
        if (c == ' ' || c == '\t')
            continue;
        if (is_forbidden_control(c))
            return head_fail(parser, 400, "control character in a header field value");
        value_end = i + 1;
    }
    header->value = span(value_start, value_end);
    return interpret_field(parser, data, header);
}

/* The empty line: decides framing from every field seen. */
static enum http_parse_status finish_head(struct http_parser *parser, size_t head_length)
{
    parser->head_length = head_length;
    if (parser->has_transfer_encoding && parser->version_minor == 0)
        return head_fail(parser, 400, "Transfer-Encoding in an HTTP/1.0 request");
    if (parser->has_transfer_encoding && parser->has_content_length)
        return head_fail(parser, 400, "both Content-Length and Transfer-Encoding");
    if (parser->has_content_length &&
        (parser->content_length_overflow || parser->content_length > parser->limits.max_body)) {
        if (parser->content_length_overflow)
            return head_fail(parser, 413, "request body over the limit of %llu bytes",
                             (unsigned long long)parser->limits.max_body);
        return head_fail(parser, 413, "request body of %llu bytes is over the limit of %llu bytes",
                         (unsigned long long)parser->content_length,
                         (unsigned long long)parser->limits.max_body);
    }
    parser->framing = parser->has_transfer_encoding ? HTTP_BODY_CHUNKED
                      : parser->has_content_length  ? HTTP_BODY_LENGTH
                                                    : HTTP_BODY_NONE;
    if (parser->version_minor == 1) {
        parser->keep_alive = !parser->connection_close;
    } else {
        parser->keep_alive = parser->connection_keep_alive && !parser->connection_close;
        parser->expect_continue = false; /* RFC 9110 10.1.1: ignored in 1.0 */
    }
    parser->state = HEAD_DONE;
    return HTTP_PARSE_DONE;
}

enum http_parse_status http_parser_feed(struct http_parser *parser, const char *data, size_t length)
{
    size_t max_head = parser->limits.max_head_bytes;
    size_t limit = length < max_head ? length : max_head;
    /* Longer than any valid request line (CR included): examine it now. */
    size_t request_line_max = HTTP_METHOD_MAX + 1 + parser->limits.max_target + 1 + VERSION_LENGTH + 1;

    if (parser->state == HEAD_DONE)
        return HTTP_PARSE_DONE;
    if (parser->state == HEAD_ERROR)
        return HTTP_PARSE_ERROR;
    if (limit < parser->search_from)
        return HTTP_PARSE_NEED_MORE; /* shorter than before: a caller bug, but never a crash */
    while (parser->search_from < limit) {
        const char *lf = memchr(data + parser->search_from, '\n', limit - parser->search_from);
        size_t start = parser->line_start, end, content_end;
        enum http_parse_status status;

        if (lf == NULL) {
            parser->search_from = limit;
            break;
        }
        end = (size_t)(lf - data);
        /* An overlong request line fails as it would have unfinished, so
         * the answer never depends on how the bytes were split. */
        if (parser->state == HEAD_REQUEST_LINE && end - start > request_line_max &&
            parse_request_line(parser, data, start, end, false) == HTTP_PARSE_ERROR)
            return HTTP_PARSE_ERROR;
        if (end == start || data[end - 1] != '\r')
            return head_fail(parser, 400, "line not ending in CRLF");
        content_end = end - 1;
        parser->line_start = parser->search_from = end + 1;

        if (parser->state == HEAD_REQUEST_LINE) {
            if (content_end == start) {
                if (++parser->empty_lines > EMPTY_LINES_MAX)
                    return head_fail(parser, 400, "too many empty lines before the request line");
                continue;
            }
            parser->state = HEAD_FIELDS;
            status = parse_request_line(parser, data, start, content_end, true);
        } else if (content_end == start) {
            return finish_head(parser, end + 1);
        } else {
            status = parse_field(parser, data, start, content_end);
        }
        if (status == HTTP_PARSE_ERROR)
            return status;
    }
    if (parser->state == HEAD_REQUEST_LINE && limit - parser->line_start > request_line_max &&
        parse_request_line(parser, data, parser->line_start, limit, false) == HTTP_PARSE_ERROR)
        return HTTP_PARSE_ERROR;
    if (limit >= max_head)
        return head_fail(parser, 431, "request head larger than %zu bytes", max_head);
    return HTTP_PARSE_NEED_MORE;
}

/* ---- chunked ---------------------------------------------------------- */

enum {
    CHUNK_SIZE_FIRST,   /* expecting the first hex digit of a size */
    CHUNK_SIZE,         /* more hex digits, or what ends the size */
    CHUNK_SIZE_SPACE,   /* whitespace after the size (BWS before ';') */
    CHUNK_EXTENSION,    /* ignored up to CR */
    CHUNK_SIZE_LF,
    CHUNK_DATA,
    CHUNK_DATA_CR,
    CHUNK_DATA_LF,
    CHUNK_TRAILER_START,/* start of a trailer line, or the final CRLF */
    CHUNK_TRAILER,      /* ignored up to CR */
    CHUNK_TRAILER_LF,
    CHUNK_FINAL_LF,
    CHUNK_DONE,
    CHUNK_ERROR
};

void http_chunked_init(struct http_chunked *chunked, uint64_t max_body, size_t max_trailer_bytes)
{
    memset(chunked, 0, sizeof *chunked);
    chunked->max_body = max_body;
    chunked->max_trailer_bytes = max_trailer_bytes;
    chunked->state = CHUNK_SIZE_FIRST;
}

static int hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Records the error; returns false so callers can `return chunked_fail(...)`. */
static bool chunked_fail(struct http_chunked *chunked, int status, const char *message)
{
    chunked->state = CHUNK_ERROR;
    chunked->error_status = status;
    snprintf(chunked->error_message, sizeof chunked->error_message, "%s", message);
    return false;
}

/* The size line is complete: accept the chunk or refuse it. */
static bool chunked_size_done(struct http_chunked *chunked)
{
    chunked->line_bytes = 0;
    if (chunked->remaining == 0) {
        chunked->state = CHUNK_TRAILER_START;
        return true;
    }
    if (chunked->remaining > chunked->max_body - chunked->total) {
        chunked_fail(chunked, 413, "");
        snprintf(chunked->error_message, sizeof chunked->error_message,
                 "chunked request body over the limit of %llu bytes", (unsigned long long)chunked->max_body);
        return false;
    }
    chunked->total += chunked->remaining;
    chunked->state = CHUNK_DATA;
    return true;
}

/* Advances the framing state machine by one byte; false on error. */
static bool chunked_step(struct http_chunked *chunked, unsigned char c)
{
    int digit;

    switch (chunked->state) {
    case CHUNK_SIZE_FIRST:
    case CHUNK_SIZE:
        if (++chunked->line_bytes > HTTP_CHUNK_LINE_MAX)
            return chunked_fail(chunked, 400, "chunk size line too long");
        digit = hex_value(c);
        if (digit >= 0) {
            if (chunked->remaining > (UINT64_MAX >> 4))
                return chunked_fail(chunked, 400, "chunk size beyond 64 bits");
            chunked->remaining = (chunked->remaining << 4) | (uint64_t)digit;
            chunked->state = CHUNK_SIZE;
        } else if (chunked->state == CHUNK_SIZE_FIRST) {
            return chunked_fail(chunked, 400, "malformed chunk size");
        } else if (c == '\r') {
            chunked->state = CHUNK_SIZE_LF;
        } else if (c == ';') {
            chunked->state = CHUNK_EXTENSION;
        } else if (c == ' ' || c == '\t') {
            chunked->state = CHUNK_SIZE_SPACE;
        } else {
            return chunked_fail(chunked, 400, "malformed chunk size");
        }
        return true;
    case CHUNK_SIZE_SPACE:
    case CHUNK_EXTENSION:
        if (++chunked->line_bytes > HTTP_CHUNK_LINE_MAX)
            return chunked_fail(chunked, 400, "chunk size line too long");
        if (c == '\r')
            chunked->state = CHUNK_SIZE_LF;
        else if (chunked->state == CHUNK_SIZE_SPACE && c == ';')
            chunked->state = CHUNK_EXTENSION;
        else if (chunked->state == CHUNK_SIZE_SPACE ? (c != ' ' && c != '\t') : is_forbidden_control(c))
            return chunked_fail(chunked, 400, "malformed chunk extension");
        return true;
    case CHUNK_SIZE_LF:
        if (c != '\n')
            return chunked_fail(chunked, 400, "chunk size line not ending in CRLF");
        return chunked_size_done(chunked);
    case CHUNK_DATA_CR:
    case CHUNK_DATA_LF:
        if (c != (chunked->state == CHUNK_DATA_CR ? '\r' : '\n'))
            return chunked_fail(chunked, 400, "chunk data not followed by CRLF");
        chunked->state = chunked->state == CHUNK_DATA_CR ? CHUNK_DATA_LF : CHUNK_SIZE_FIRST;
        return true;
    case CHUNK_TRAILER_START:
    case CHUNK_TRAILER:
        if (++chunked->line_bytes > chunked->max_trailer_bytes)
            return chunked_fail(chunked, 431, "chunked trailer section too large");
        if (c == '\r')
            chunked->state = chunked->state == CHUNK_TRAILER_START ? CHUNK_FINAL_LF : CHUNK_TRAILER_LF;
        else if (is_forbidden_control(c))
            return chunked_fail(chunked, 400, "control character in a chunked trailer");
        else
            chunked->state = CHUNK_TRAILER;
        return true;
    case CHUNK_TRAILER_LF:
    case CHUNK_FINAL_LF:
        if (c != '\n')
            return chunked_fail(chunked, 400, "chunked trailer line not ending in CRLF");
        chunked->state = chunked->state == CHUNK_FINAL_LF ? CHUNK_DONE : CHUNK_TRAILER_START;
        return true;
    }
    return true;
}

enum http_parse_status http_chunked_feed(struct http_chunked *chunked, const char *data, size_t length,
                                         size_t *skip, size_t *data_length)
{
    size_t i = 0;

    *data_length = 0;
    while (i < length && chunked->state != CHUNK_DONE && chunked->state != CHUNK_ERROR) {
        if (chunked->state == CHUNK_DATA) {
            size_t available = length - i;
            size_t take = chunked->remaining < available ? (size_t)chunked->remaining : available;
            chunked->remaining -= take;
            if (chunked->remaining == 0)
                chunked->state = CHUNK_DATA_CR;
            *skip = i;
            *data_length = take;
            return HTTP_PARSE_DATA;
        }
        if (!chunked_step(chunked, (unsigned char)data[i++]))
            break;
    }
    *skip = i;
    if (chunked->state == CHUNK_DONE)
        return HTTP_PARSE_DONE;
    if (chunked->state == CHUNK_ERROR)
        return HTTP_PARSE_ERROR;
    return HTTP_PARSE_NEED_MORE;
}
