/*
 * http_parser: an incremental HTTP/1.1 request-head parser and chunked-body
 * decoder in pure C (no libevent, no allocation), so that unit tests and
 * libFuzzer drive it byte by byte.
 *
 * The head parser is fed the bytes buffered so far, always from the first
 * byte of the request: each call passes the same prefix again plus whatever
 * arrived since.  It remembers where it stopped (the start of the unfinished
 * line and how far that line was searched for LF), so every byte is looked at
 * once however the head is split.  Results are spans (offset, length) into
 * those bytes, never pointers, so the caller may move or linearise its buffer
 * between calls.
 *
 * Strict by design, because a lenient parser in front of or behind another
 * one is how request smuggling happens:
 *   - lines end in CRLF (a bare LF or CR is 400); up to 8 empty lines before
 *     the request line are skipped (RFC 9112 2.2);
 *   - request line = method SP target SP "HTTP/1.0"|"HTTP/1.1" (else 400);
 *     a target over max_target bytes is 414;
 *   - header = token ":" OWS value OWS; space before ':' or obs-fold is 400;
 *     control bytes other than HTAB (NUL, CR, LF, DEL...) in a value are 400;
 *   - more than max_headers fields, or a head over max_head_bytes, is 431;
 *   - Content-Length is digits only; different values in two fields are 400,
 *     identical repeats are fine; a value over max_body (or beyond 64 bits)
 *     is 413, decided before any body byte is read;
 *   - Transfer-Encoding must be exactly one "chunked" (case-insensitive): any
 *     other coding, a list, a repeat, or TE in an HTTP/1.0 request is 400
 *     (we implement no other coding, and 400 + close is what RFC 9112 6.3
 *     requires for the smuggling shapes; 501 would invite a retry);
 *   - both Content-Length and Transfer-Encoding is 400;
 *   - keep-alive: 1.1 unless "Connection: close", 1.0 only with keep-alive;
 *   - "Expect: 100-continue" is reported for 1.1 requests (ignored in 1.0).
 * Host is not required (clients of this server always send it; refusing
 * would only break odd ones).  Errors are final: reset before the next use.
 */
#ifndef HOOKHOST_HTTP_PARSER_H
#define HOOKHOST_HTTP_PARSER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_TARGET_MAX (8 * 1024)       /* default max_target: 414 above */
#define HTTP_HEAD_MAX (64 * 1024)        /* default max_head_bytes: 431 above */
#define HTTP_HEADERS_MAX 100             /* default max_headers: 431 above */
#define HTTP_METHOD_MAX 32               /* longer methods are 400 */
#define HTTP_CHUNK_LINE_MAX 4096         /* chunk-size line with extensions: 400 above */
#define HTTP_ERROR_MESSAGE_MAX 160

enum http_parse_status {
    HTTP_PARSE_NEED_MORE, /* everything given was consumed; feed more */
    HTTP_PARSE_DONE,      /* head complete / body complete */
    HTTP_PARSE_DATA,      /* chunked only: payload bytes follow (see http_chunked_feed) */
    HTTP_PARSE_ERROR      /* error_status and error_message are set; final */
};

enum http_body_framing {
    HTTP_BODY_NONE,       /* no body */
    HTTP_BODY_LENGTH,     /* content_length bytes (may be 0) */
    HTTP_BODY_CHUNKED     /* decode with http_chunked */
};

struct http_parser_limits {
    size_t max_head_bytes;  /* request line + fields + empty line; <= UINT32_MAX */
    size_t max_headers;     /* fields per request; also the capacity of headers[] */
    size_t max_target;      /* bytes of request-target */
    uint64_t max_body;      /* bytes of (decoded) body */
};

struct http_span {
    uint32_t offset;        /* from the first byte fed */
    uint32_t length;
};

struct http_header {
    struct http_span name;  /* always ends right before ':' */
    struct http_span value; /* OWS trimmed; ends right before OWS or CR */
};

struct http_parser {
    struct http_parser_limits limits;
    struct http_header *headers;      /* caller's array of limits.max_headers */

    /* Results, valid after HTTP_PARSE_DONE.  method and target end right
     * before a space, so a copy of the head can be NUL-terminated in place. */
    struct http_span method;
    struct http_span target;
    int version_minor;                /* 0 or 1 */
    size_t header_count;
    enum http_body_framing framing;
    uint64_t content_length;          /* HTTP_BODY_LENGTH only */
    bool keep_alive;
    bool expect_continue;
    size_t head_length;               /* bytes of the head, empty line included */

    /* Set on HTTP_PARSE_ERROR. */
    int error_status;                 /* 400, 413, 414 or 431 */
    char error_message[HTTP_ERROR_MESSAGE_MAX];

    /* Private. */
    int state;
    size_t line_start;                /* first byte of the unfinished line */
    size_t search_from;               /* LF not in [line_start, search_from) */
    unsigned empty_lines;
    bool connection_close, connection_keep_alive, has_content_length, has_transfer_encoding;
    bool content_length_overflow;
};

/* Prepares parser for a first request.  limits is copied; headers must hold
 * limits->max_headers entries and outlive the parser. */
void http_parser_init(struct http_parser *parser, const struct http_parser_limits *limits,
                      struct http_header *headers);

/* Forgets the previous request (results included) for the next one. */
void http_parser_reset(struct http_parser *parser);

/* Parses data[0, length): the request's bytes so far, starting with the same
 * bytes as every earlier call since the last reset, and no shorter.  Bytes
 * past max_head_bytes are never looked at.  NEED_MORE, DONE (results and
 * head_length set; data[head_length...] is the body or the next request) or
 * ERROR.  After DONE or ERROR, further calls return the same status. */
enum http_parse_status http_parser_feed(struct http_parser *parser, const char *data, size_t length);

/* The chunked transfer coding, decoded incrementally.  Framing bytes (sizes,
 * extensions, CRLFs, trailers) are consumed and forgotten; payload bytes are
 * only counted, so the caller can move them without a copy. */
struct http_chunked {
    uint64_t max_body;       /* total payload limit: 413 above */
    size_t max_trailer_bytes;/* trailer section limit: 431 above */
    uint64_t total;          /* payload bytes so far */
    uint64_t remaining;      /* payload bytes left in the current chunk */
    size_t line_bytes;       /* bytes of the current size line or trailer section */
    int state;
    int error_status;        /* 400, 413 or 431 on HTTP_PARSE_ERROR */
    char error_message[HTTP_ERROR_MESSAGE_MAX];
};

void http_chunked_init(struct http_chunked *chunked, uint64_t max_body, size_t max_trailer_bytes);

/* Decodes from data[0, length), which continues where the previous call's
 * consumed bytes ended.  Always sets *skip (framing bytes at the front, to be
 * discarded) and *data_length:
 *   NEED_MORE: *skip == length, *data_length == 0 - feed more;
 *   DATA:      after *skip framing bytes, *data_length (> 0) payload bytes
 *              follow, which the caller takes; call again with the rest;
 *   DONE:      *skip bytes ended the body (the final CRLF included); what
 *              follows belongs to the next request;
 *   ERROR:     error_status and error_message set; final. */
enum http_parse_status http_chunked_feed(struct http_chunked *chunked, const char *data, size_t length,
                                         size_t *skip, size_t *data_length);

#endif
