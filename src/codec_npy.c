/*
 * codec_npy: NPY headers without NumPy.
 *
 * numpy.load reads an NPY file as: 6 magic bytes, a version, a header length,
 * then a header that is a Python literal dict evaluated by ast.literal_eval
 * (for versions 1.0 and 2.0 after dropping Python 2's 'L' integer suffix),
 * checked for exactly the keys 'descr', 'fortran_order' and 'shape', and
 * finally count * itemsize payload bytes; anything after them is ignored.
 *
 * Python's literal syntax is large, so the decoder parses a subset of it
 * exactly: strings in single or double quotes without escapes, decimal ints
 * with an optional sign, True, False, None, tuples, lists, dicts and sets,
 * with spaces, tabs and (inside brackets) newlines between tokens.  Within
 * that subset it decides what literal_eval and numpy's checks would do, down
 * to duplicate keys (the last wins), grouping parentheses and unhashable
 * keys.  The first character outside the subset (an escape, a triple quote,
 * a comment, a name, a float, a form feed, non-ASCII text) makes the whole
 * input ERR_DECLINED rather than guessed at: the Python default then runs
 * numpy.load itself, so this fast path can only ever be slow, not wrong.
 * ERR_BAD_INPUT is returned only where numpy.load certainly raises.
 *
 * The encoder mirrors numpy.lib.format._write_array_header: keys in sorted
 * order, repr() of each value, the spare "growth" spaces numpy >= 1.24 adds
 * after the dict, then padding to a multiple of 64 bytes and a '\n'.
 */
#include "codec_npy.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define MAGIC_PREFIX "\x93NUMPY"
#define MAGIC_PREFIX_LENGTH 6
#define MAGIC_LENGTH 8
#define ARRAY_ALIGN 64
/* numpy.lib.format.GROWTH_AXIS_MAX_DIGITS */
#define GROWTH_AXIS_MAX_DIGITS 21
/* Deeper nesting is legal Python up to 200 levels but never an NPY header
 * worth a fast path; declining it bounds our recursion. */
#define MAX_NESTING 32
/* Python 3.11 refuses int literals with more digits (sys.int_info). */
#define MAX_INT_DIGITS 4300

/* The verdict of a parsing step.  INVALID has filled the error. */
enum outcome {
    PARSED,
    INVALID,  /* literal_eval or numpy's checks raise */
    DECLINED  /* outside the subset we decide: let numpy.load judge */
};

enum token_kind {
    TOKEN_END,
    TOKEN_NEWLINE,     /* a newline outside brackets: ends the expression */
    TOKEN_OPEN_BRACE,
    TOKEN_CLOSE_BRACE,
    TOKEN_OPEN_PAREN,
    TOKEN_CLOSE_PAREN,
    TOKEN_OPEN_BRACKET,
    TOKEN_CLOSE_BRACKET,
    TOKEN_COMMA,
    TOKEN_COLON,
    TOKEN_PLUS,
    TOKEN_MINUS,
    TOKEN_STRING,
    TOKEN_INT,
    TOKEN_TRUE,
    TOKEN_FALSE,
    TOKEN_NONE,
    TOKEN_UNTERMINATED, /* a string running into a newline or the end */
    TOKEN_FOREIGN       /* anything outside the subset */
};

struct token {
    enum token_kind kind;
    size_t start;        /* offset in the header, for messages */
    const char *text;    /* TOKEN_STRING: the characters between the quotes */
    size_t length;
    uint64_t magnitude;  /* TOKEN_INT, saturated at UINT64_MAX */
    bool huge;           /* TOKEN_INT: over INT64_MAX */
};

struct parser {
    const char *text;       /* the header, not NUL-terminated */
    size_t length;
    size_t position;
    int brackets;           /* open brackets: inside them newlines are blanks */
    bool drop_long_suffix;  /* versions 1.0, 2.0: numpy's _filter_header */
    bool has_peeked;
    struct token peeked;
    size_t before_peek;     /* position and brackets before the peeked token */
    int brackets_before_peek;
    struct error *err;
};

enum value_kind {
    VALUE_STRING,
    VALUE_INT,
    VALUE_BOOL,
    VALUE_NONE,
    VALUE_TUPLE,
    VALUE_LIST,
    VALUE_DICT,
    VALUE_SET
};

/* What the header checks need to know of a parsed literal. */
struct value {
    enum value_kind kind;
    bool signed_number;     /* written with a unary sign: no second sign allowed */
    bool hashable;          /* usable as a dict key or set element */
    const char *text;       /* VALUE_STRING */
    size_t length;
    bool negative;          /* VALUE_INT: nonzero and below zero */
    uint64_t magnitude;     /* VALUE_INT, VALUE_BOOL (0 or 1) */
    bool huge;              /* VALUE_INT: outside int64 */
    /* VALUE_TUPLE, about its direct elements: */
    size_t count;
    bool all_integers;      /* each an int or a bool: isinstance(x, int) */
    bool any_bool, any_negative, any_huge;
    size_t dims[ARRAY_MAX_DIMS]; /* the first ARRAY_MAX_DIMS elements */
};

/* The top-level dict's entries numpy looks at, the last of each key. */
struct header_fields {
    bool has_descr, has_fortran_order, has_shape;
    bool other_key;          /* a key numpy does not expect */
    struct value descr, fortran_order, shape;
};

static bool host_is_big_endian(void)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    return true;
#else
    return false;
#endif
}

/* ------------------------------------------------------------------------
 * Tokens
 * ------------------------------------------------------------------------ */

static bool is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static void skip_blanks(struct parser *p)
{
    while (p->position < p->length) {
        char c = p->text[p->position];
        if (c == ' ' || c == '\t' || (c == '\n' && p->brackets > 0))
            p->position++;
        else
            break;
    }
}

static void scan_string(struct parser *p, struct token *token)
{
    char quote = p->text[p->position];
    size_t start = p->position + 1;
    size_t i = start;

    /* A triple quote may span lines and hold anything: not ours. */
    if (i + 1 < p->length && p->text[i] == quote && p->text[i + 1] == quote) {
        token->kind = TOKEN_FOREIGN;
        return;
    }
    for (; i < p->length; i++) {
        char c = p->text[i];
        if (c == quote)
            break;
        if (c == '\\') {
            token->kind = TOKEN_FOREIGN;
            return;
        }
        if (c == '\n') {
            token->kind = TOKEN_UNTERMINATED;
            return;
        }
    }
    if (i == p->length) {
        token->kind = TOKEN_UNTERMINATED;
        return;
    }
    token->kind = TOKEN_STRING;
    token->text = p->text + start;
    token->length = i - start;
    p->position = i + 1;
}

static void scan_int(struct parser *p, struct token *token)
{
    size_t start = p->position;
    size_t i = start;
    uint64_t magnitude = 0;
    bool saturated = false;

    while (i < p->length && is_digit(p->text[i])) {
        unsigned digit = (unsigned)(p->text[i] - '0');
        if (magnitude > (UINT64_MAX - digit) / 10)
            saturated = true;
        else
            magnitude = magnitude * 10 + digit;
        i++;
    }
    /* Leading zeros ("00" is 0, "01" a SyntaxError), floats, hex, '_'
     * separators, complex 'j', the digit limit: leave them to Python. */
    if ((p->text[start] == '0' && i - start > 1) || i - start > MAX_INT_DIGITS) {
        token->kind = TOKEN_FOREIGN;
        return;
    }
    if (i < p->length && (is_name_char(p->text[i]) || p->text[i] == '.' ||
                          p->text[i] == '\'' || p->text[i] == '"')) {
        /* numpy 1.0/2.0 headers from Python 2 may say 3L: numpy's tokenizer
         * pass drops a name token "L" right after a number token (spaces
         * and tabs between them allowed, handled below). */
        if (!(p->drop_long_suffix && p->text[i] == 'L')) {
            token->kind = TOKEN_FOREIGN;
            return;
        }
    }
    token->kind = TOKEN_INT;
    token->magnitude = saturated ? UINT64_MAX : magnitude;
    token->huge = saturated || magnitude > (uint64_t)INT64_MAX;
    p->position = i;

    if (p->drop_long_suffix) {
        size_t j = i;
        while (j < p->length && (p->text[j] == ' ' || p->text[j] == '\t'))
            j++;
        if (j < p->length && p->text[j] == 'L') {
            char after = j + 1 < p->length ? p->text[j + 1] : ' ';
            if (is_name_char(after) || after == '\'' || after == '"')
                token->kind = TOKEN_FOREIGN;
            else
                p->position = j + 1;
        }
    }
}

static void scan_name(struct parser *p, struct token *token)
{
    size_t start = p->position;
    size_t i = start;

    while (i < p->length && is_name_char(p->text[i]))
        i++;
    /* A name glued to a quote is a string prefix (b'', r'', f''). */
    if (i < p->length && (p->text[i] == '\'' || p->text[i] == '"')) {
        token->kind = TOKEN_FOREIGN;
        return;
    }
    if (i - start == 4 && memcmp(p->text + start, "True", 4) == 0)
        token->kind = TOKEN_TRUE;
    else if (i - start == 5 && memcmp(p->text + start, "False", 5) == 0)
        token->kind = TOKEN_FALSE;
    else if (i - start == 4 && memcmp(p->text + start, "None", 4) == 0)
        token->kind = TOKEN_NONE;
    else
        token->kind = TOKEN_FOREIGN; /* set(), names: literal_eval's business */
    p->position = i;
}

static void scan_token(struct parser *p, struct token *token)
{
    char c;

    skip_blanks(p);
    memset(token, 0, sizeof *token);
    token->start = p->position;
    if (p->position == p->length) {
        token->kind = TOKEN_END;
        return;
    }
    c = p->text[p->position];
    switch (c) {
    case '\n': token->kind = TOKEN_NEWLINE; p->position++; return;
    case '{': token->kind = TOKEN_OPEN_BRACE; p->brackets++; p->position++; return;
    case '(': token->kind = TOKEN_OPEN_PAREN; p->brackets++; p->position++; return;
    case '[': token->kind = TOKEN_OPEN_BRACKET; p->brackets++; p->position++; return;
    case '}': token->kind = TOKEN_CLOSE_BRACE; break;
    case ')': token->kind = TOKEN_CLOSE_PAREN; break;
    case ']': token->kind = TOKEN_CLOSE_BRACKET; break;
    case ',': token->kind = TOKEN_COMMA; p->position++; return;
    case ':': token->kind = TOKEN_COLON; p->position++; return;
    case '+': token->kind = TOKEN_PLUS; p->position++; return;
    case '-': token->kind = TOKEN_MINUS; p->position++; return;
    case '\'':
    case '"':
        scan_string(p, token);
        return;
    default:
        if (is_digit(c))
            scan_int(p, token);
        else if (is_name_char(c))
            scan_name(p, token);
        else
            token->kind = TOKEN_FOREIGN;
        return;
    }
    /* a closing bracket */
    if (p->brackets > 0)
        p->brackets--;
    p->position++;
}

static const struct token *peek_token(struct parser *p)
{
    if (!p->has_peeked) {
        p->before_peek = p->position;
        p->brackets_before_peek = p->brackets;
        scan_token(p, &p->peeked);
        p->has_peeked = true;
    }
    return &p->peeked;
}

static void next_token(struct parser *p, struct token *token)
{
    *token = *peek_token(p);
    p->has_peeked = false;
}

/* Forgets a peeked token, so raw scanning can resume before it. */
static void unpeek(struct parser *p)
{
    if (p->has_peeked) {
        p->position = p->before_peek;
        p->brackets = p->brackets_before_peek;
        p->has_peeked = false;
    }
}

static const char *token_name(enum token_kind kind)
{
    switch (kind) {
    case TOKEN_END: return "the end of the header";
    case TOKEN_NEWLINE: return "a line break";
    case TOKEN_OPEN_BRACE: return "'{'";
    case TOKEN_CLOSE_BRACE: return "'}'";
    case TOKEN_OPEN_PAREN: return "'('";
    case TOKEN_CLOSE_PAREN: return "')'";
    case TOKEN_OPEN_BRACKET: return "'['";
    case TOKEN_CLOSE_BRACKET: return "']'";
    case TOKEN_COMMA: return "','";
    case TOKEN_COLON: return "':'";
    case TOKEN_PLUS: return "'+'";
    case TOKEN_MINUS: return "'-'";
    case TOKEN_STRING: return "a string";
    case TOKEN_INT: return "an integer";
    case TOKEN_TRUE: return "True";
    case TOKEN_FALSE: return "False";
    case TOKEN_NONE: return "None";
    case TOKEN_UNTERMINATED: return "an unterminated string";
    case TOKEN_FOREIGN: return "unsupported syntax";
    }
    return "?";
}

static enum outcome declined(struct parser *p, const struct token *token)
{
    error_set(p->err, ERR_DECLINED,
              "NPY header: syntax at offset %zu is outside what the fast path decodes",
              token->start);
    return DECLINED;
}

/* The token cannot stand here: Python's parser or literal_eval would raise,
 * unless the token is one we do not understand. */
static enum outcome unexpected(struct parser *p, const struct token *token, const char *expected)
{
    if (token->kind == TOKEN_FOREIGN)
        return declined(p, token);
    error_set(p->err, ERR_BAD_INPUT,
              "NPY header is not a valid Python literal: expected %s at offset %zu, found %s",
              expected, token->start, token_name(token->kind));
    return INVALID;
}

static enum outcome invalid(struct parser *p, const char *what, size_t offset)
{
    error_set(p->err, ERR_BAD_INPUT, "NPY header %s (offset %zu)", what, offset);
    return INVALID;
}

/* ------------------------------------------------------------------------
 * Literals
 * ------------------------------------------------------------------------ */

static enum outcome parse_value(struct parser *p, int depth, struct value *out,
                                struct header_fields *fields);

static void value_init(struct value *value, enum value_kind kind)
{
    value->kind = kind;
    value->signed_number = false;
    value->hashable = true;
    value->text = NULL;
    value->length = 0;
    value->negative = false;
    value->magnitude = 0;
    value->huge = false;
    value->count = 0;
    value->all_integers = true;
    value->any_bool = value->any_negative = value->any_huge = false;
}

/* After a string: Python joins adjacent strings ('de' 'scr'), we do not. */
static enum outcome check_not_adjacent_string(struct parser *p)
{
    const struct token *next = peek_token(p);
    if (next->kind == TOKEN_STRING)
        return declined(p, next);
    return PARSED;
}

static void tuple_add(struct value *tuple, const struct value *element)
{
    if (!element->hashable)
        tuple->hashable = false;
    if (element->kind == VALUE_INT || element->kind == VALUE_BOOL) {
        if (element->kind == VALUE_BOOL)
            tuple->any_bool = true;
        if (element->negative)
            tuple->any_negative = true;
        if (element->huge)
            tuple->any_huge = true;
        if (tuple->count < ARRAY_MAX_DIMS)
            tuple->dims[tuple->count] =
                element->negative || element->huge ? 0 : (size_t)element->magnitude;
    } else {
        tuple->all_integers = false;
    }
    tuple->count++;
}

/* After '(' : (), a grouped value (x), or a tuple (x,) (x, y) (x, y,).
 * fields goes to the first element: "({...})" is the header dict too. */
static enum outcome parse_paren(struct parser *p, int depth, struct value *out,
                                struct header_fields *fields)
{
    struct token token;
    struct value element;
    enum outcome rc;

    if (peek_token(p)->kind == TOKEN_CLOSE_PAREN) {
        next_token(p, &token);
        value_init(out, VALUE_TUPLE);
        return PARSED;
    }
    rc = parse_value(p, depth + 1, &element, fields);
    if (rc != PARSED)
        return rc;
    next_token(p, &token);
    if (token.kind == TOKEN_CLOSE_PAREN) {
        *out = element; /* parentheses only group */
        return PARSED;
    }
    if (token.kind != TOKEN_COMMA)
        return unexpected(p, &token, "',' or ')'");
    value_init(out, VALUE_TUPLE);
    tuple_add(out, &element);
    for (;;) {
        if (peek_token(p)->kind == TOKEN_CLOSE_PAREN) {
            next_token(p, &token);
            return PARSED;
        }
        rc = parse_value(p, depth + 1, &element, NULL);
        if (rc != PARSED)
            return rc;
        tuple_add(out, &element);
        next_token(p, &token);
        if (token.kind == TOKEN_CLOSE_PAREN)
            return PARSED;
        if (token.kind != TOKEN_COMMA)
            return unexpected(p, &token, "',' or ')'");
    }
}

static enum outcome parse_list(struct parser *p, int depth, struct value *out)
{
    struct token token;
    struct value element;
    enum outcome rc;

    value_init(out, VALUE_LIST);
    out->hashable = false;
    for (;;) {
        if (peek_token(p)->kind == TOKEN_CLOSE_BRACKET) {
            next_token(p, &token);
            return PARSED;
        }
        rc = parse_value(p, depth + 1, &element, NULL);
        if (rc != PARSED)
            return rc;
        next_token(p, &token);
        if (token.kind == TOKEN_CLOSE_BRACKET)
            return PARSED;
        if (token.kind != TOKEN_COMMA)
            return unexpected(p, &token, "',' or ']'");
    }
}

static void record_field(struct header_fields *fields, const struct value *key,
                         const struct value *value)
{
    if (key->kind != VALUE_STRING) {
        fields->other_key = true;
    } else if (key->length == 5 && memcmp(key->text, "descr", 5) == 0) {
        fields->has_descr = true;
        fields->descr = *value;
    } else if (key->length == 13 && memcmp(key->text, "fortran_order", 13) == 0) {
        fields->has_fortran_order = true;
        fields->fortran_order = *value;
    } else if (key->length == 5 && memcmp(key->text, "shape", 5) == 0) {
        fields->has_shape = true;
        fields->shape = *value;
    } else {
        fields->other_key = true;
    }
}

/* After '{': a dict {k: v, ...} or a set {x, ...}.  fields, when not NULL,
 * receives the dict's entries (the header itself). */
static enum outcome parse_brace(struct parser *p, int depth, struct value *out,
                                struct header_fields *fields)
{
    struct token token;
    struct value key, item;
    enum outcome rc;
    bool is_dict;

    value_init(out, VALUE_DICT);
    out->hashable = false;
    if (peek_token(p)->kind == TOKEN_CLOSE_BRACE) {
        next_token(p, &token);
        return PARSED;
    }
    rc = parse_value(p, depth + 1, &key, NULL);
    if (rc != PARSED)
        return rc;
    is_dict = peek_token(p)->kind == TOKEN_COLON;
    if (!is_dict)
        out->kind = VALUE_SET;
    for (;;) {
        if (!key.hashable)
            return invalid(p, "has an unhashable dict key or set element", p->position);
        if (is_dict) {
            next_token(p, &token);
            if (token.kind != TOKEN_COLON)
                return unexpected(p, &token, "':'");
            rc = parse_value(p, depth + 1, &item, NULL);
            if (rc != PARSED)
                return rc;
            if (fields != NULL)
                record_field(fields, &key, &item);
        }
        next_token(p, &token);
        if (token.kind == TOKEN_CLOSE_BRACE)
            return PARSED;
        if (token.kind != TOKEN_COMMA)
            return unexpected(p, &token,
                              is_dict ? "',' or '}' in the dict" : "',' or '}' in the set");
        if (peek_token(p)->kind == TOKEN_CLOSE_BRACE) {
            next_token(p, &token);
            return PARSED;
        }
        rc = parse_value(p, depth + 1, &key, NULL);
        if (rc != PARSED)
            return rc;
    }
}

/* One literal, as ast.literal_eval accepts it (within our subset). */
static enum outcome parse_value(struct parser *p, int depth, struct value *out,
                                struct header_fields *fields)
{
    struct token token;
    enum outcome rc;

    if (depth > MAX_NESTING)
        return declined(p, peek_token(p));
    next_token(p, &token);
    switch (token.kind) {
    case TOKEN_STRING:
        value_init(out, VALUE_STRING);
        out->text = token.text;
        out->length = token.length;
        return check_not_adjacent_string(p);
    case TOKEN_INT:
        value_init(out, VALUE_INT);
        out->magnitude = token.magnitude;
        out->huge = token.huge;
        return PARSED;
    case TOKEN_TRUE:
    case TOKEN_FALSE:
        value_init(out, VALUE_BOOL);
        out->magnitude = token.kind == TOKEN_TRUE;
        return PARSED;
    case TOKEN_NONE:
        value_init(out, VALUE_NONE);
        return PARSED;
    case TOKEN_PLUS:
    case TOKEN_MINUS: {
        /* literal_eval takes a sign only on a number literal: -3, -(3), not
         * --3, -(-3), -True. */
        size_t sign_offset = token.start;
        rc = parse_value(p, depth + 1, out, NULL);
        if (rc != PARSED)
            return rc;
        if (out->kind != VALUE_INT || out->signed_number)
            return invalid(p, "applies a sign to something not a number", sign_offset);
        out->signed_number = true;
        if (token.kind == TOKEN_MINUS && out->magnitude != 0) {
            out->negative = true;
            if (out->magnitude == (uint64_t)INT64_MAX + 1)
                out->huge = false; /* -2**63 fits int64 */
        }
        return PARSED;
    }
    case TOKEN_OPEN_PAREN:
        return parse_paren(p, depth, out, fields);
    case TOKEN_OPEN_BRACKET:
        return parse_list(p, depth, out);
    case TOKEN_OPEN_BRACE:
        return parse_brace(p, depth, out, fields);
    default:
        return unexpected(p, &token, "a value");
    }
}

/* ------------------------------------------------------------------------
 * The header
 * ------------------------------------------------------------------------ */

/* Matches numpy's own descr strings for the numeric dtypes ('<f4', '|b1',
 * '>c16', also '=', '|' or no byte-order mark, and '?').  Anything else,
 * valid for numpy or not, is declined. */
static bool descr_lookup(const char *text, size_t length, struct array_desc *desc)
{
    size_t i = 0, itemsize;
    char order = '=', kind;

    if (length > 0 && (text[0] == '<' || text[0] == '>' || text[0] == '=' || text[0] == '|'))
        order = text[i++];
    if (length - i == 1 && text[i] == '?') {
        kind = 'b';
        itemsize = 1;
    } else {
        if (length - i < 2)
            return false;
        kind = text[i++];
        if (length - i == 1 && text[i] >= '1' && text[i] <= '8')
            itemsize = (size_t)(text[i] - '0');
        else if (length - i == 2 && text[i] == '1' && text[i + 1] == '6')
            itemsize = 16;
        else
            return false;
    }
    switch (kind) {
    case 'b':
        if (itemsize != 1)
            return false;
        desc->kind = ELEMENT_BOOL;
        break;
    case 'i':
    case 'u':
        if (itemsize != 1 && itemsize != 2 && itemsize != 4 && itemsize != 8)
            return false;
        desc->kind = kind == 'i' ? ELEMENT_INT : ELEMENT_UINT;
        break;
    case 'f':
        if (itemsize != 2 && itemsize != 4 && itemsize != 8)
            return false; /* f16 is long double: not ours */
        desc->kind = ELEMENT_FLOAT;
        break;
    case 'c':
        if (itemsize != 8 && itemsize != 16)
            return false;
        desc->kind = ELEMENT_COMPLEX;
        break;
    default:
        return false;
    }
    desc->itemsize = itemsize;
    if (itemsize == 1)
        desc->big_endian = false;
    else if (order == '>')
        desc->big_endian = true;
    else if (order == '<')
        desc->big_endian = false;
    else
        desc->big_endian = host_is_big_endian(); /* '=' and '|' mean native */
    return true;
}

/* What follows the header's dict: numpy's own ' ' * n + '\n' passes, other
 * blank text only sometimes (Python 3.11 refuses "}\n " as version 3.0 but
 * not as 1.0), so it is declined; real tokens make a syntax error. */
static enum outcome check_trailer(struct parser *p)
{
    size_t i;
    struct token token;
    bool any_token = false;

    unpeek(p);
    i = p->position;
    while (i < p->length && (p->text[i] == ' ' || p->text[i] == '\t'))
        i++;
    while (i < p->length && p->text[i] == '\n')
        i++;
    if (i == p->length)
        return PARSED;
    for (;;) {
        next_token(p, &token);
        if (token.kind == TOKEN_END)
            break;
        if (token.kind == TOKEN_FOREIGN)
            return declined(p, &token);
        if (token.kind == TOKEN_UNTERMINATED) {
            any_token = true;
            break; /* stays put; nothing after it can rescue the header */
        }
        if (token.kind != TOKEN_NEWLINE)
            any_token = true;
    }
    if (!any_token) {
        error_set(p->err, ERR_DECLINED,
                  "NPY header: unusual blank text after the dict is left to numpy");
        return DECLINED;
    }
    return invalid(p, "is not a valid Python literal: unexpected text after its value",
                   p->position);
}

static enum error_code parse_header(const char *text, size_t length, bool drop_long_suffix,
                                    struct header_fields *fields, struct error *err)
{
    struct parser parser = {
        .text = text, .length = length, .position = 0, .brackets = 0,
        .drop_long_suffix = drop_long_suffix, .has_peeked = false, .err = err,
    };
    struct value top;
    enum outcome rc, trailer;

    memset(fields, 0, sizeof *fields);
    /* literal_eval strips leading spaces and tabs; after a line break
     * Python may see an indent, so leading newlines are declined. */
    while (parser.position < length &&
           (text[parser.position] == ' ' || text[parser.position] == '\t'))
        parser.position++;
    if (parser.position < length && text[parser.position] == '\n') {
        error_set(err, ERR_DECLINED, "NPY header: a leading line break is left to numpy");
        return ERR_DECLINED;
    }
    rc = parse_value(&parser, 0, &top, fields);
    if (rc == DECLINED)
        return ERR_DECLINED;
    if (rc == INVALID)
        return ERR_BAD_INPUT; /* nothing after an error can make Python accept it */
    trailer = check_trailer(&parser);
    if (trailer == DECLINED)
        return ERR_DECLINED;
    if (trailer == INVALID)
        return ERR_BAD_INPUT;
    if (top.kind != VALUE_DICT)
        return error_set(err, ERR_BAD_INPUT, "NPY header is not a dictionary");
    return OK;
}

/* numpy's checks on the evaluated header, then the descr and the shape as
 * read_array uses them. */
static enum error_code check_fields(const struct header_fields *fields, struct array_desc *desc,
                                    struct error *err)
{
    const struct value *shape = &fields->shape;
    uint64_t product;

    if (fields->other_key || !fields->has_descr || !fields->has_fortran_order || !fields->has_shape)
        return error_set(err, ERR_BAD_INPUT,
                         "NPY header does not contain exactly the keys 'descr', "
                         "'fortran_order' and 'shape'");
    if (shape->kind != VALUE_TUPLE || !shape->all_integers)
        return error_set(err, ERR_BAD_INPUT, "NPY header: shape is not a tuple of integers");
    if (fields->fortran_order.kind != VALUE_BOOL)
        return error_set(err, ERR_BAD_INPUT, "NPY header: fortran_order is not True or False");
    if (fields->descr.kind != VALUE_STRING)
        return error_set(err, ERR_DECLINED,
                         "NPY descr is not a simple dtype string (structured or subarray dtype)");
    if (!descr_lookup(fields->descr.text, fields->descr.length, desc))
        return error_set(err, ERR_DECLINED,
                         "NPY descr '%.*s' is not a numeric dtype the fast path decodes",
                         (int)(fields->descr.length > 40 ? 40 : fields->descr.length),
                         fields->descr.text);
    if (shape->any_huge)
        return error_set(err, ERR_BAD_INPUT,
                         "NPY header: a shape dimension does not fit in int64");
    if (shape->any_bool)
        return error_set(err, ERR_BAD_INPUT,
                         "NPY header: a shape dimension is a bool, not an integer");
    /* numpy.load reshapes with the dimensions as given, and a reshape reads
     * any one negative dimension as "unknown": (2, -(2**63 - 5)) wraps the
     * element count to 10 and loads as (2, 5).  Too odd to mirror. */
    if (shape->any_negative)
        return error_set(err, ERR_DECLINED,
                         "NPY header: a negative dimension is left to numpy's reshape rules");
    if (shape->count > ARRAY_MAX_DIMS)
        return error_set(err, ERR_BAD_INPUT,
                         "NPY header: %zu dimensions, numpy supports at most %d",
                         shape->count, ARRAY_MAX_DIMS);

    /* NumPy refuses an array whose nonzero dimensions times the itemsize
     * exceed its index type, even when another dimension is 0. */
    product = desc->itemsize;
    for (size_t i = 0; i < shape->count; i++) {
        uint64_t dim = shape->dims[i];
        if (dim == 0)
            continue;
        if (product > (uint64_t)PTRDIFF_MAX / dim)
            return error_set(err, ERR_BAD_INPUT,
                             "NPY header: the shape's byte count overflows (array is too big)");
        product *= dim;
    }
    desc->ndim = (int)shape->count;
    for (size_t i = 0; i < shape->count; i++)
        desc->shape[i] = shape->dims[i];
    desc->fortran_order = fields->fortran_order.magnitude != 0;
    return OK;
}

static size_t read_little_endian(const unsigned char *bytes, size_t size)
{
    size_t value = 0;
    for (size_t i = size; i > 0; i--)
        value = (value << 8) | bytes[i - 1];
    return value;
}

enum error_code npy_decode(const void *data, size_t length, struct array_desc *desc,
                           size_t *payload_offset, struct error *err)
{
    const unsigned char *bytes = data;
    unsigned major, minor;
    size_t size_field, header_length, offset, count, byte_count;
    const char *header;
    bool ascii = true;
    struct header_fields fields;
    struct array_desc parsed;
    enum error_code rc;

    if (length < MAGIC_PREFIX_LENGTH || memcmp(bytes, MAGIC_PREFIX, MAGIC_PREFIX_LENGTH) != 0)
        return error_set(err, ERR_DECLINED, "not an NPY file (no \\x93NUMPY magic): numpy.load "
                         "would read it as an npz archive or a pickle");
    if (length < MAGIC_LENGTH)
        return error_set(err, ERR_BAD_INPUT, "NPY data truncated: EOF reading the magic string, "
                         "expected %d bytes, got %zu", MAGIC_LENGTH, length);
    major = bytes[6];
    minor = bytes[7];
    if (minor != 0 || major < 1 || major > 3)
        return error_set(err, ERR_BAD_INPUT, "NPY format version %u.%u is not supported "
                         "(numpy reads 1.0, 2.0 and 3.0)", major, minor);
    size_field = major == 1 ? 2 : 4;
    if (length - MAGIC_LENGTH < size_field)
        return error_set(err, ERR_BAD_INPUT, "NPY data truncated: EOF reading the header length, "
                         "expected %zu bytes, got %zu", size_field, length - MAGIC_LENGTH);
    header_length = read_little_endian(bytes + MAGIC_LENGTH, size_field);
    offset = MAGIC_LENGTH + size_field;
    if (header_length > length - offset)
        return error_set(err, ERR_BAD_INPUT, "NPY data truncated: EOF reading the array header, "
                         "expected %zu bytes, got %zu", header_length, length - offset);
    header = (const char *)bytes + offset;

    for (size_t i = 0; i < header_length; i++) {
        if ((unsigned char)header[i] >= 0x80) {
            ascii = false;
            break;
        }
    }
    /* numpy measures the decoded text: latin-1 for 1.0 and 2.0 (a byte is
     * a character), UTF-8 for 3.0, whose non-ASCII text we do not decode. */
    if (!ascii && major == 3)
        return error_set(err, ERR_DECLINED, "NPY 3.0 header with non-ASCII text is left to numpy");
    if (header_length > CODEC_NPY_MAX_HEADER_SIZE)
        return error_set(err, ERR_BAD_INPUT, "NPY header of %zu bytes is over numpy's limit "
                         "of %d (max_header_size)", header_length, CODEC_NPY_MAX_HEADER_SIZE);
    for (size_t i = 0; i < header_length; i++) {
        unsigned char c = (unsigned char)header[i];
        if (!((c >= 0x20 && c < 0x7f) || c == '\t' || c == '\n'))
            return error_set(err, ERR_DECLINED, "NPY header byte 0x%02x at offset %zu is left "
                             "to numpy", c, i);
    }

    rc = parse_header(header, header_length, major < 3, &fields, err);
    if (rc != OK)
        return rc;
    rc = check_fields(&fields, &parsed, err);
    if (rc != OK)
        return rc;

    offset += header_length;
    if (!array_desc_count(&parsed, &count, &byte_count))
        return error_set(err, ERR_BAD_INPUT, "NPY header: the shape's byte count overflows");
    if (byte_count > length - offset)
        return error_set(err, ERR_BAD_INPUT, "NPY data truncated: EOF reading array data, "
                         "expected %zu bytes, got %zu", byte_count, length - offset);
    *desc = parsed;
    *payload_offset = offset;
    return OK;
}

/* ------------------------------------------------------------------------
 * Encoding
 * ------------------------------------------------------------------------ */

/* The descr numpy.save writes: dtype.str. */
static bool descr_format(const struct array_desc *desc, char out[5])
{
    char kind;
    bool valid;
    bool integer_size = desc->itemsize == 1 || desc->itemsize == 2 || desc->itemsize == 4 ||
                        desc->itemsize == 8;

    switch (desc->kind) {
    case ELEMENT_BOOL:
        kind = 'b';
        valid = desc->itemsize == 1;
        break;
    case ELEMENT_INT:
        kind = 'i';
        valid = integer_size;
        break;
    case ELEMENT_UINT:
        kind = 'u';
        valid = integer_size;
        break;
    case ELEMENT_FLOAT:
        kind = 'f';
        valid = desc->itemsize == 2 || desc->itemsize == 4 || desc->itemsize == 8;
        break;
    case ELEMENT_COMPLEX:
        kind = 'c';
        valid = desc->itemsize == 8 || desc->itemsize == 16;
        break;
    default:
        return false;
    }
    if (!valid)
        return false;
    out[0] = desc->itemsize == 1 ? '|' : desc->big_endian ? '>' : '<';
    out[1] = kind;
    if (desc->itemsize == 16) {
        out[2] = '1';
        out[3] = '6';
        out[4] = '\0';
    } else {
        out[2] = (char)('0' + desc->itemsize);
        out[3] = '\0';
    }
    return true;
}

/* Writes the decimal digits of value at text (no NUL); returns their count. */
static size_t format_size(size_t value, char *text)
{
    char digits[24];
    size_t n = 0;
    do {
        digits[n++] = (char)('0' + value % 10);
        value /= 10;
    } while (value != 0);
    for (size_t i = 0; i < n; i++)
        text[i] = digits[n - 1 - i];
    return n;
}

/* numpy's flags: an array is C-contiguous as well (so saved with
 * fortran_order False) when it is empty or has at most one axis longer
 * than 1. */
static bool also_c_contiguous(const struct array_desc *desc)
{
    int long_axes = 0;
    for (int i = 0; i < desc->ndim; i++) {
        if (desc->shape[i] == 0)
            return true;
        if (desc->shape[i] != 1)
            long_axes++;
    }
    return long_axes <= 1;
}

enum error_code npy_encode_header(const struct array_desc *desc, struct buffer *out,
                                  struct error *err)
{
    /* The longest dict: 32 dimensions of 20 digits, plus growth padding. */
    char header[128 + ARRAY_MAX_DIMS * 22 + GROWTH_AXIS_MAX_DIGITS];
    char descr[5];
    size_t n = 0, header_length, pad, total, prefix_length;
    bool fortran;
    unsigned char prefix[MAGIC_LENGTH + 2];
    enum error_code rc;

    if (desc->ndim < 0 || desc->ndim > ARRAY_MAX_DIMS || !descr_format(desc, descr))
        return error_set(err, ERR_BAD_INPUT, "NPY encode: no numeric dtype for kind %d itemsize "
                         "%zu with %d dimensions", (int)desc->kind, desc->itemsize, desc->ndim);
    fortran = desc->fortran_order && !also_c_contiguous(desc);

#define APPEND_LITERAL(s) (memcpy(header + n, s, sizeof(s) - 1), n += sizeof(s) - 1)
    APPEND_LITERAL("{'descr': '");
    memcpy(header + n, descr, strlen(descr));
    n += strlen(descr);
    APPEND_LITERAL("', 'fortran_order': ");
    if (fortran)
        APPEND_LITERAL("True");
    else
        APPEND_LITERAL("False");
    APPEND_LITERAL(", 'shape': (");
    for (int i = 0; i < desc->ndim; i++) {
        if (i > 0)
            APPEND_LITERAL(", ");
        n += format_size(desc->shape[i], header + n);
    }
    if (desc->ndim == 1)
        APPEND_LITERAL(",");
    APPEND_LITERAL("), }");
#undef APPEND_LITERAL
    if (desc->ndim > 0) {
        char digits[24];
        size_t axis = fortran ? (size_t)desc->ndim - 1 : 0;
        size_t width = format_size(desc->shape[axis], digits);
        for (size_t i = width; i < GROWTH_AXIS_MAX_DIGITS; i++)
            header[n++] = ' ';
    }

    /* _wrap_header picks version 1.0 unless its 16-bit length cannot hold
     * the header; a numeric dtype's header is under 1 KiB, so 1.0 it is.
     * The '\n' counts in the length; the padding is never empty. */
    header_length = n + 1;
    prefix_length = MAGIC_LENGTH + 2;
    pad = ARRAY_ALIGN - (prefix_length + header_length) % ARRAY_ALIGN;
    total = header_length + pad;
    memcpy(prefix, MAGIC_PREFIX, MAGIC_PREFIX_LENGTH);
    prefix[6] = 1;
    prefix[7] = 0;
    prefix[8] = (unsigned char)(total & 0xff);
    prefix[9] = (unsigned char)(total >> 8);

    rc = buffer_reserve(out, prefix_length + total);
    if (rc != OK)
        return error_set(err, rc, "NPY encode: no room for a %zu-byte header",
                         prefix_length + total);
    memcpy(out->data + out->length, prefix, prefix_length);
    memcpy(out->data + out->length + prefix_length, header, n);
    memset(out->data + out->length + prefix_length + n, ' ', pad);
    out->data[out->length + prefix_length + n + pad] = '\n';
    out->length += prefix_length + total;
    return OK;
}
