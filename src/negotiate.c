/*
 * negotiate: Accept header parsing and the choice among our four types.
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
#include <string.h>

#define MEDIA_COUNT 4          /* MEDIA_JSON .. MEDIA_JSONLINES */
#define ACCEPT_QUOTE_MAX 200   /* header bytes quoted in the 406 message */

static const struct media_name {
    const char *type;     /* lower case */
    const char *subtype;  /* lower case */
    const char *response; /* Content-Type of the encoded body */
} media_names[MEDIA_COUNT] = {
    { "application", "json", "application/json" },
    { "text", "csv", "text/csv; charset=utf-8" },
    { "application", "x-npy", "application/x-npy" },
    { "application", "jsonlines", "application/jsonlines" },
};

/* One media range of the header, pointing into it. */
struct media_range {
    const char *type;
    size_t type_length;
    const char *subtype;
    size_t subtype_length;
    int weight;           /* q in thousandths, 0..1000 */
};

static bool is_space(char c)
{
    return c == ' ' || c == '\t';
}

static char ascii_lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Does text[0..length) equal the lower-case word, ignoring ASCII case? */
static bool equals_lower(const char *text, size_t length, const char *word)
{
    size_t i;
    for (i = 0; i < length; i++) {
        if (word[i] == '\0' || ascii_lower(text[i]) != word[i])
            return false;
    }
    return word[i] == '\0';
}

/* Narrows [*start, *end) past surrounding spaces and tabs. */
static void trim(const char *text, size_t *start, size_t *end)
{
    while (*start < *end && is_space(text[*start]))
        (*start)++;
    while (*end > *start && is_space(text[*end - 1]))
        (*end)--;
}

/* Parses an RFC 9110 qvalue, "0" ["." 0*3DIGIT] / "1" ["." 0*3("0")], into
 * thousandths; also ".5" for "0.5", as old Java clients send.  Returns -1
 * when it is not one. */
static int parse_weight(const char *text, size_t length)
{
    int weight = 0;
    size_t fraction;

    if (length == 0)
        return -1;
    if (text[0] == '.') {
        if (length == 1)
            return -1;
        fraction = 1;
    } else {
        if (text[0] != '0' && text[0] != '1')
            return -1;
        weight = (text[0] - '0') * 1000;
        if (length == 1)
            return weight;
        if (text[1] != '.')
            return -1;
        fraction = 2;
    }
    if (length - fraction > 3)
        return -1;
    for (int scale = 100; fraction < length; fraction++, scale /= 10) {
        if (text[fraction] < '0' || text[fraction] > '9')
            return -1;
        weight += (text[fraction] - '0') * scale;
    }
    return weight <= 1000 ? weight : -1;
}

/* Reads the weight from the parameters text[start..end) (each ";name=value",
 * the first ';' included).  Returns false when a q parameter is malformed.
 * Parameters other than q, and anything after q (accept-extensions), do not
 * matter to us. */
static bool parse_parameters(const char *text, size_t start, size_t end, int *weight)
{
    *weight = 1000;
    while (start < end) {
        size_t name_start = start + 1, name_end, value_start, value_end;
        const char *next = memchr(text + name_start, ';', end - name_start);
        size_t stop = next != NULL ? (size_t)(next - text) : end;
        const char *equals = memchr(text + name_start, '=', stop - name_start);

        if (equals != NULL) {
            name_end = (size_t)(equals - text);
            trim(text, &name_start, &name_end);
            if (equals_lower(text + name_start, name_end - name_start, "q")) {
                value_start = (size_t)(equals - text) + 1;
                value_end = stop;
                trim(text, &value_start, &value_end);
                *weight = parse_weight(text + value_start, value_end - value_start);
                return *weight >= 0;
            }
        }
        start = stop;
    }
    return true;
}

/* Parses one comma-separated element text[start..end).  Returns false for
 * an empty or malformed element, which the caller skips. */
static bool parse_range(const char *text, size_t start, size_t end, struct media_range *range)
{
    const char *semicolon = memchr(text + start, ';', end - start);
    size_t parameters = semicolon != NULL ? (size_t)(semicolon - text) : end;
    size_t range_start = start, range_end = parameters;
    const char *slash;

    trim(text, &range_start, &range_end);
    if (range_start == range_end)
        return false;
    if (!parse_parameters(text, parameters, end, &range->weight))
        return false;
    /* A bare "*" is what some old clients (Java's URLConnection) send. */
    if (range_end - range_start == 1 && text[range_start] == '*') {
        range->type = range->subtype = "*";
        range->type_length = range->subtype_length = 1;
        return true;
    }
    slash = memchr(text + range_start, '/', range_end - range_start);
    if (slash == NULL)
        return false;
    range->type = text + range_start;
    range->type_length = (size_t)(slash - range->type);
    range->subtype = slash + 1;
    range->subtype_length = range_end - (size_t)(range->subtype - text);
    if (range->type_length == 0 || range->subtype_length == 0)
        return false;
    /* "* / json" names nothing. */
    if (range->type_length == 1 && range->type[0] == '*' &&
        !(range->subtype_length == 1 && range->subtype[0] == '*'))
        return false;
    return true;
}

/* How specifically range matches our type index: 2 exact, 1 type/ *,
 * 0 * / *, -1 not at all. */
static int range_specificity(const struct media_range *range, int index)
{
    const struct media_name *name = &media_names[index];
    bool any_subtype = range->subtype_length == 1 && range->subtype[0] == '*';

    if (range->type_length == 1 && range->type[0] == '*')
        return 0;
    if (!equals_lower(range->type, range->type_length, name->type))
        return -1;
    if (any_subtype)
        return 1;
    return equals_lower(range->subtype, range->subtype_length, name->subtype) ? 2 : -1;
}

enum media_type media_type_parse(const char *value, size_t length)
{
    const char *semicolon = memchr(value, ';', length);
    size_t start = 0, end = semicolon != NULL ? (size_t)(semicolon - value) : length;
    const char *slash;

    trim(value, &start, &end);
    slash = memchr(value + start, '/', end - start);
    if (slash == NULL)
        return MEDIA_NONE;
    for (int i = 0; i < MEDIA_COUNT; i++) {
        size_t type_length = (size_t)(slash - (value + start));
        if (equals_lower(value + start, type_length, media_names[i].type) &&
            equals_lower(slash + 1, end - start - type_length - 1, media_names[i].subtype))
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

/* Is a better than b, both candidates with a weight above 0? */
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

enum error_code accept_negotiate(const char *accept, enum media_type default_type, enum media_type *chosen,
                                 struct error *err)
{
    int specificity[MEDIA_COUNT], weight[MEDIA_COUNT];
    size_t position[MEDIA_COUNT];
    size_t length, start = 0, element = 0;
    int best = -1;

    if (accept == NULL)
        accept = "";
    length = strlen(accept);
    for (int i = 0; i < MEDIA_COUNT; i++) {
        specificity[i] = -1;
        weight[i] = 0;
        position[i] = 0;
    }
    {
        size_t blank_start = 0, blank_end = length;
        trim(accept, &blank_start, &blank_end);
        if (blank_start == blank_end)
            accept = "*/*", length = 3;
    }

    while (start <= length) {
        const char *comma = memchr(accept + start, ',', length - start);
        size_t end = comma != NULL ? (size_t)(comma - accept) : length;
        struct media_range range;

        if (parse_range(accept, start, end, &range)) {
            for (int i = 0; i < MEDIA_COUNT; i++) {
                int match = range_specificity(&range, i);
                if (match > specificity[i]) {
                    specificity[i] = match;
                    weight[i] = range.weight;
                    position[i] = element;
                }
            }
            element++;
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
        size_t quoted = length > ACCEPT_QUOTE_MAX ? ACCEPT_QUOTE_MAX : length;
        return error_set(err, ERR_NOT_ACCEPTABLE,
                         "Accept: %.*s%s names no type the default output_fn produces (application/json, "
                         "text/csv, application/x-npy, application/jsonlines); send one of those or "
                         "implement output_fn",
                         (int)quoted, accept, quoted < length ? "..." : "");
    }
    *chosen = (enum media_type)(MEDIA_JSON + best);
    return OK;
}
