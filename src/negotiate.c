/*
 * negotiate: Accept header parsing and the choice among our four types.
 *
 * python/hookhost/negotiation.py is the specification, rule for rule (its
 * docstring numbers them); this file follows its steps in the same order so
 * the two can be read side by side.  Differences are bugs.
 *
 * One pass over the header.  For each of our types we keep the weight of the
 * most specific range that matched it so far and where that range stood in
 * the header; RFC 9110 section 12.5.1 gives the precedence (an exact type
 * overrides type/ *, which overrides * / *), so "* / *, text/csv;q=0" means
 * "anything but CSV".  The winner is then the highest weight, the earliest
 * range on ties, and among the types one range gave, the configured default
 * before the fixed order.
 *
 * All comparisons are ASCII case-insensitive by hand: no locale.
 */
#include "negotiate.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define MEDIA_COUNT 4           /* MEDIA_JSON .. MEDIA_JSONLINES */
#define ACCEPT_QUOTE_MAX 240    /* header bytes quoted in the 406 message */
#define QUOTED_MAX 300          /* their quoted form: keeps the message whole in ERROR_MESSAGE_MAX */

static const struct media_name {
    const char *name;     /* lower case, "type/subtype" */
    size_t type_length;   /* bytes before the '/' */
    const char *response; /* Content-Type of the encoded body */
} media_names[MEDIA_COUNT] = {
    { "application/json", 11, "application/json" },
    { "text/csv", 4, "text/csv; charset=utf-8" },
    { "application/x-npy", 11, "application/x-npy" },
    { "application/jsonlines", 11, "application/jsonlines" },
};

static bool is_space(char c)
{
    return c == ' ' || c == '\t';
}

static char ascii_lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Does text[0..length) equal word[0..word_length), ignoring ASCII case in
 * text (word is lower case)? */
static bool equals_lower(const char *text, size_t length, const char *word, size_t word_length)
{
    if (length != word_length)
        return false;
    for (size_t i = 0; i < length; i++) {
        if (ascii_lower(text[i]) != word[i])
            return false;
    }
    return true;
}

/* Narrows [*start, *end) past surrounding spaces and tabs. */
static void trim(const char *text, size_t *start, size_t *end)
{
    while (*start < *end && is_space(text[*start]))
        (*start)++;
    while (*end > *start && is_space(text[*end - 1]))
        (*end)--;
}

/* Rule 3: a weight is D*[.D*] with at least one digit, read as thousandths:
 * any non-zero integer digit gives 1000 (the cap), else the first three
 * fraction digits, zero padded, the rest dropped.  -1 when invalid. */
static int parse_weight(const char *text, size_t length)
{
    size_t i = 0, digits = 0;
    bool whole_nonzero = false;
    int weight = 0, scale = 100;

    for (; i < length && text[i] >= '0' && text[i] <= '9'; i++, digits++)
        whole_nonzero |= text[i] != '0';
    if (i < length) {
        if (text[i] != '.')
            return -1;
        for (i++; i < length && text[i] >= '0' && text[i] <= '9'; i++, digits++) {
            weight += (text[i] - '0') * scale;
            scale /= 10;
        }
        if (i < length)
            return -1;
    }
    if (digits == 0)
        return -1;
    return whole_nonzero ? 1000 : weight;
}

/* Rule 3: the weight from the parameters text[start..end), where text[start]
 * is the first ';'.  The first parameter named q decides; one without '='
 * has that whole piece as its name and an empty value.  False when that q is
 * invalid, which drops the element. */
static bool parse_parameters(const char *text, size_t start, size_t end, int *weight)
{
    *weight = 1000;
    while (start < end) {
        size_t name_start = start + 1, name_end, value_start, value_end;
        const char *next = memchr(text + name_start, ';', end - name_start);
        size_t stop = next != NULL ? (size_t)(next - text) : end;
        const char *equals = memchr(text + name_start, '=', stop - name_start);

        name_end = equals != NULL ? (size_t)(equals - text) : stop;
        trim(text, &name_start, &name_end);
        if (equals_lower(text + name_start, name_end - name_start, "q", 1)) {
            value_start = equals != NULL ? (size_t)(equals - text) + 1 : stop;
            value_end = stop;
            trim(text, &value_start, &value_end);
            *weight = parse_weight(text + value_start, value_end - value_start);
            return *weight >= 0;
        }
        start = stop;
    }
    return true;
}

/* Rule 4: how specifically the range text[0..length) matches our type
 * index: 2 exact, 1 type/ *, 0 * / * (or a bare *), -1 not at all. */
static int range_specificity(const char *range, size_t length, int index)
{
    const struct media_name *name = &media_names[index];

    if (equals_lower(range, length, name->name, strlen(name->name)))
        return 2;
    if (length == name->type_length + 2 && equals_lower(range, name->type_length, name->name, name->type_length) &&
        range[name->type_length] == '/' && range[name->type_length + 1] == '*')
        return 1;
    if ((length == 3 && memcmp(range, "*/*", 3) == 0) || (length == 1 && range[0] == '*'))
        return 0;
    return -1;
}

/* Rule 1: is the header missing, blank, or nothing but one * / * among
 * empty elements? */
static bool means_default(const char *header)
{
    size_t length, start = 0, seen = 0;
    bool only_any = true;

    if (header == NULL)
        return true;
    length = strlen(header);
    while (start <= length) {
        const char *comma = memchr(header + start, ',', length - start);
        size_t end = comma != NULL ? (size_t)(comma - header) : length;
        size_t element_start = start, element_end = end;

        trim(header, &element_start, &element_end);
        if (element_start < element_end) {
            seen++;
            only_any = only_any && element_end - element_start == 3 && memcmp(header + element_start, "*/*", 3) == 0;
        }
        start = end + 1;
    }
    return seen == 0 || (seen == 1 && only_any);
}

/* Copies header into out (size bytes) quoted as Python's repr() quotes a
 * str, so the 406 message reads like the Python default's.  Invalid UTF-8
 * becomes U+FFFD, as the worker's decoding does.  Headers past
 * ACCEPT_QUOTE_MAX bytes are cut at a character and marked "...". */
static void quote_header(const char *header, char *out, size_t size)
{
    size_t length = strlen(header), used = 0, i = 0;
    bool has_single = memchr(header, '\'', length) != NULL, has_double = memchr(header, '"', length) != NULL;
    char quote = has_single && !has_double ? '"' : '\'';
    bool cut = false;

    /* Each step writes at most 4 bytes; the end needs quote, "..." and NUL. */
    if (size < 10) {
        out[0] = '\0';
        return;
    }
    out[used++] = quote;
    while (i < length) {
        unsigned char c = (unsigned char)header[i];
        size_t sequence = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
        bool valid = sequence > 0 && i + sequence <= length;

        if (i >= ACCEPT_QUOTE_MAX || used + 4 + 5 > size) {
            cut = true;
            break;
        }
        for (size_t k = 1; valid && k < sequence; k++)
            valid = ((unsigned char)header[i + k] & 0xc0) == 0x80;
        /* Overlong forms and surrogates are invalid too. */
        if (valid && sequence == 2 && c < 0xc2)
            valid = false;
        if (valid && sequence == 3) {
            unsigned char next = (unsigned char)header[i + 1];
            valid = !(c == 0xe0 && next < 0xa0) && !(c == 0xed && next >= 0xa0);
        }
        if (valid && sequence == 4) {
            unsigned char next = (unsigned char)header[i + 1];
            valid = c <= 0xf4 && !(c == 0xf0 && next < 0x90) && !(c == 0xf4 && next >= 0x90);
        }
        if (!valid) {
            memcpy(out + used, "\xef\xbf\xbd", 3);
            used += 3;
            i++;
        } else if (sequence > 1) {
            memcpy(out + used, header + i, sequence);
            used += sequence;
            i += sequence;
        } else {
            if (c == '\\' || c == (unsigned char)quote) {
                out[used++] = '\\';
                out[used++] = (char)c;
            } else if (c == '\t' || c == '\n' || c == '\r') {
                out[used++] = '\\';
                out[used++] = c == '\t' ? 't' : c == '\n' ? 'n' : 'r';
            } else if (c < 0x20 || c == 0x7f) {
                used += (size_t)snprintf(out + used, size - used, "\\x%02x", c);
            } else {
                out[used++] = (char)c;
            }
            i++;
        }
    }
    out[used++] = quote;
    if (cut) {
        memcpy(out + used, "...", 3);
        used += 3;
    }
    out[used] = '\0';
}

enum media_type media_type_parse(const char *value, size_t length)
{
    const char *semicolon = memchr(value, ';', length);
    size_t start = 0, end = semicolon != NULL ? (size_t)(semicolon - value) : length;

    trim(value, &start, &end);
    for (int i = 0; i < MEDIA_COUNT; i++) {
        if (equals_lower(value + start, end - start, media_names[i].name, strlen(media_names[i].name)))
            return (enum media_type)(MEDIA_JSON + i);
    }
    return MEDIA_NONE;
}

const char *media_type_response(enum media_type type)
{
    if (type < MEDIA_JSON || type > MEDIA_JSONLINES)
        return NULL;
    return media_names[type - MEDIA_JSON].response;
}

/* Rule 5: is a better than b, both candidates with a weight above 0? */
static bool candidate_better(int index_a, int index_b, const int *weight, const size_t *position,
                             enum media_type default_type)
{
    if (weight[index_a] != weight[index_b])
        return weight[index_a] > weight[index_b];
    if (position[index_a] != position[index_b])
        return position[index_a] < position[index_b];
    if (default_type == (enum media_type)(MEDIA_JSON + index_a))
        return true;
    if (default_type == (enum media_type)(MEDIA_JSON + index_b))
        return false;
    return index_a < index_b;
}

/* Rules 2 to 6 on a header that no longer means "the default". */
static enum error_code negotiate_header(const char *header, enum media_type default_type, enum media_type *chosen,
                                        struct error *err)
{
    int specificity[MEDIA_COUNT], weight[MEDIA_COUNT];
    size_t position[MEDIA_COUNT];
    size_t length = strlen(header), start = 0, element = 0;
    int best = -1;
    char quoted[QUOTED_MAX];

    for (int i = 0; i < MEDIA_COUNT; i++) {
        specificity[i] = -1;
        weight[i] = 0;
        position[i] = 0;
    }
    /* Rule 2: split on every ','; each element on ';'. */
    for (; start <= length; element++) {
        const char *comma = memchr(header + start, ',', length - start);
        size_t end = comma != NULL ? (size_t)(comma - header) : length;
        const char *semicolon = memchr(header + start, ';', end - start);
        size_t parameters = semicolon != NULL ? (size_t)(semicolon - header) : end;
        size_t range_start = start, range_end = parameters;
        int element_weight;

        trim(header, &range_start, &range_end);
        if (range_start < range_end && parse_parameters(header, parameters, end, &element_weight)) {
            for (int i = 0; i < MEDIA_COUNT; i++) {
                int match = range_specificity(header + range_start, range_end - range_start, i);
                if (match > specificity[i]) {
                    specificity[i] = match;
                    weight[i] = element_weight;
                    position[i] = element;
                }
            }
        }
        start = end + 1;
    }

    for (int i = 0; i < MEDIA_COUNT; i++) {
        if (specificity[i] < 0 || weight[i] == 0)
            continue;
        if (best < 0 || candidate_better(i, best, weight, position, default_type))
            best = i;
    }
    if (best < 0) {
        /* Rule 6, worded as negotiation.py words it. */
        quote_header(header, quoted, sizeof quoted);
        return error_set(err, ERR_NOT_ACCEPTABLE,
                         "none of the types in the Accept header %s can be produced; the default output_fn "
                         "produces application/json, text/csv, application/x-npy, application/jsonlines "
                         "(implement output_fn for other types)",
                         quoted);
    }
    *chosen = (enum media_type)(MEDIA_JSON + best);
    return OK;
}

enum error_code accept_negotiate(const char *accept, enum media_type default_type, enum media_type *chosen,
                                 struct error *err)
{
    if (means_default(accept)) {
        if (default_type >= MEDIA_JSON && default_type <= MEDIA_JSONLINES) {
            *chosen = default_type;
            return OK;
        }
        accept = "*/*";
    }
    return negotiate_header(accept, default_type, chosen, err);
}

enum error_code accept_negotiate_default(const char *accept, const char *default_accept, enum media_type *chosen,
                                         struct error *err)
{
    enum media_type default_type = MEDIA_NONE;

    if (default_accept == NULL)
        default_accept = "";
    default_type = media_type_parse(default_accept, strlen(default_accept));
    if (means_default(accept)) {
        accept = default_accept;
        if (means_default(accept))
            accept = "*/*";
    }
    return negotiate_header(accept, default_type, chosen, err);
}
