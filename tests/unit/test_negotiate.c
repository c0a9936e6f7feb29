/* negotiate: media type parsing and Accept negotiation (CONTRACT.md 4), checked
 * against python/hookhost/negotiation.py through fixtures/negotiate/cases.txt
 * (made by gen_negotiate_cases.py). */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "negotiate.h"

static enum media_type parse(const char *value)
{
    return media_type_parse(value, strlen(value));
}

/* The type chosen for accept with default_type, or MEDIA_NONE on 406. */
static enum media_type choose(const char *accept, enum media_type default_type)
{
    struct error err;
    enum media_type chosen = MEDIA_NONE;
    error_clear(&err);
    if (accept_negotiate(accept, default_type, &chosen, &err) != OK) {
        ck_assert_int_eq(err.code, ERR_NOT_ACCEPTABLE);
        return MEDIA_NONE;
    }
    ck_assert_int_ne(chosen, MEDIA_NONE);
    return chosen;
}

START_TEST(parse_known_types)
{
    ck_assert_int_eq(parse("application/json"), MEDIA_JSON);
    ck_assert_int_eq(parse("text/csv"), MEDIA_CSV);
    ck_assert_int_eq(parse("application/x-npy"), MEDIA_NPY);
    ck_assert_int_eq(parse("application/jsonlines"), MEDIA_JSONLINES);
}
END_TEST

START_TEST(parse_ignores_case_parameters_and_spaces)
{
    ck_assert_int_eq(parse("Application/JSON; charset=utf-8"), MEDIA_JSON);
    ck_assert_int_eq(parse(" \ttext/CSV ;header=present"), MEDIA_CSV);
    ck_assert_int_eq(parse("APPLICATION/X-NPY\t"), MEDIA_NPY);
    ck_assert_int_eq(parse("application/jsonlines;"), MEDIA_JSONLINES);
}
END_TEST

START_TEST(parse_rejects_others)
{
    ck_assert_int_eq(parse(""), MEDIA_NONE);
    ck_assert_int_eq(parse("json"), MEDIA_NONE);
    ck_assert_int_eq(parse("*/*"), MEDIA_NONE);
    ck_assert_int_eq(parse("application/*"), MEDIA_NONE);
    ck_assert_int_eq(parse("application/jsonx"), MEDIA_NONE);
    ck_assert_int_eq(parse("application/jso"), MEDIA_NONE);
    ck_assert_int_eq(parse("application/x-jsonlines"), MEDIA_NONE);
    ck_assert_int_eq(parse("text/plain"), MEDIA_NONE);
    ck_assert_int_eq(parse("application / json"), MEDIA_NONE);
    ck_assert_int_eq(parse("/json"), MEDIA_NONE);
}
END_TEST

START_TEST(parse_uses_length_not_nul)
{
    /* "application/json" followed by more bytes the length excludes. */
    ck_assert_int_eq(media_type_parse("application/jsonlines", 16), MEDIA_JSON);
    ck_assert_int_eq(media_type_parse("text/csvXYZ", 8), MEDIA_CSV);
    ck_assert_int_eq(media_type_parse("text/csv", 0), MEDIA_NONE);
}
END_TEST

START_TEST(response_types)
{
    ck_assert_str_eq(media_type_response(MEDIA_JSON), "application/json");
    ck_assert_str_eq(media_type_response(MEDIA_CSV), "text/csv; charset=utf-8");
    ck_assert_str_eq(media_type_response(MEDIA_NPY), "application/x-npy");
    ck_assert_str_eq(media_type_response(MEDIA_JSONLINES), "application/jsonlines");
    ck_assert_ptr_null(media_type_response(MEDIA_NONE));
}
END_TEST

START_TEST(missing_empty_and_star_give_default)
{
    ck_assert_int_eq(choose(NULL, MEDIA_JSON), MEDIA_JSON);
    ck_assert_int_eq(choose(NULL, MEDIA_CSV), MEDIA_CSV);
    ck_assert_int_eq(choose("", MEDIA_NPY), MEDIA_NPY);
    ck_assert_int_eq(choose("  \t", MEDIA_JSONLINES), MEDIA_JSONLINES);
    ck_assert_int_eq(choose("*/*", MEDIA_CSV), MEDIA_CSV);
    ck_assert_int_eq(choose("*", MEDIA_CSV), MEDIA_CSV);
    /* A default that is none of ours: the fixed order. */
    ck_assert_int_eq(choose("*/*", MEDIA_NONE), MEDIA_JSON);
    ck_assert_int_eq(choose(NULL, MEDIA_NONE), MEDIA_JSON);
}
END_TEST

START_TEST(exact_types)
{
    ck_assert_int_eq(choose("application/json", MEDIA_CSV), MEDIA_JSON);
    ck_assert_int_eq(choose("text/csv", MEDIA_JSON), MEDIA_CSV);
    ck_assert_int_eq(choose("application/x-npy", MEDIA_JSON), MEDIA_NPY);
    ck_assert_int_eq(choose("application/jsonlines", MEDIA_JSON), MEDIA_JSONLINES);
    ck_assert_int_eq(choose("TEXT/Csv; charset=utf-8", MEDIA_JSON), MEDIA_CSV);
    ck_assert_int_eq(choose("  application/x-npy  ", MEDIA_JSON), MEDIA_NPY);
}
END_TEST

START_TEST(q_values_pick_highest)
{
    ck_assert_int_eq(choose("application/json;q=0.5, text/csv;q=0.8", MEDIA_JSON), MEDIA_CSV);
    ck_assert_int_eq(choose("text/csv;q=0.8, application/json", MEDIA_CSV), MEDIA_JSON);
    ck_assert_int_eq(choose("text/csv;q=0.001, application/json;q=0", MEDIA_JSON), MEDIA_CSV);
    ck_assert_int_eq(choose("text/csv;q=0.501,application/x-npy;q=0.5", MEDIA_JSON), MEDIA_CSV);
    ck_assert_int_eq(choose("text/csv;q=0.5,application/x-npy;q=0.501", MEDIA_JSON), MEDIA_NPY);
    ck_assert_int_eq(choose("text/csv;q=1.000, application/json;q=0.999", MEDIA_JSON), MEDIA_CSV);
    ck_assert_int_eq(choose("text/csv;q=0., application/json;q=1.", MEDIA_CSV), MEDIA_JSON);
    /* ".5" for "0.5" (old Java clients). */
    ck_assert_int_eq(choose("text/csv;q=.5, application/json;q=.25", MEDIA_JSON), MEDIA_CSV);
    /* Spaces around '=' and ';', upper-case Q, other parameters first. */
    ck_assert_int_eq(choose("text/csv ; charset=utf-8 ; Q = 0.2 , application/x-npy;q=0.3", MEDIA_JSON),
                     MEDIA_NPY);
    /* Accept-extensions after q do not matter. */
    ck_assert_int_eq(choose("text/csv;q=0.9;level=1, application/json;q=0.4", MEDIA_JSON), MEDIA_CSV);
}
END_TEST

START_TEST(ties_go_to_header_order)
{
    ck_assert_int_eq(choose("text/csv, application/json", MEDIA_JSON), MEDIA_CSV);
    ck_assert_int_eq(choose("application/json, text/csv", MEDIA_CSV), MEDIA_JSON);
    ck_assert_int_eq(choose("application/x-npy;q=0.5, text/csv;q=0.5", MEDIA_CSV), MEDIA_NPY);
    /* An exact type listed before a wildcard of the same weight wins. */
    ck_assert_int_eq(choose("text/csv, */*", MEDIA_JSON), MEDIA_CSV);
    /* And the wildcard listed first gives the default. */
    ck_assert_int_eq(choose("*/*, text/csv", MEDIA_JSON), MEDIA_JSON);
}
END_TEST

START_TEST(wildcards)
{
    ck_assert_int_eq(choose("text/*", MEDIA_JSON), MEDIA_CSV);
    ck_assert_int_eq(choose("application/*", MEDIA_CSV), MEDIA_JSON);
    ck_assert_int_eq(choose("application/*", MEDIA_NPY), MEDIA_NPY);
    ck_assert_int_eq(choose("application/*", MEDIA_JSONLINES), MEDIA_JSONLINES);
    ck_assert_int_eq(choose("Application/*", MEDIA_NONE), MEDIA_JSON);
    ck_assert_int_eq(choose("*/*", MEDIA_NPY), MEDIA_NPY);
    ck_assert_int_eq(choose("image/png, */*;q=0.1", MEDIA_CSV), MEDIA_CSV);
    /* A wildcard with a higher weight beats an exact type. */
    ck_assert_int_eq(choose("application/json;q=0.2, text/*;q=0.9", MEDIA_JSON), MEDIA_CSV);
    /* Java's URLConnection default. */
    ck_assert_int_eq(choose("text/html, image/gif, image/jpeg, *; q=.2, */*; q=.2", MEDIA_NPY), MEDIA_NPY);
}
END_TEST

START_TEST(specific_range_sets_the_weight)
{
    /* The exact type's weight holds even though the wildcard's is higher. */
    ck_assert_int_eq(choose("application/json;q=0.3, */*;q=0.9", MEDIA_JSON), MEDIA_CSV);
    ck_assert_int_eq(choose("*/*;q=0.9, application/json;q=0.3", MEDIA_JSON), MEDIA_CSV);
    /* type/ * is more specific than * / *. */
    ck_assert_int_eq(choose("application/*;q=0.2, */*;q=0.8", MEDIA_JSON), MEDIA_CSV);
    ck_assert_int_eq(choose("text/*;q=0.2, */*;q=0.8", MEDIA_CSV), MEDIA_JSON);
    /* Of two equally specific ranges the first counts. */
    ck_assert_int_eq(choose("text/csv;q=0.9, text/csv;q=0.1, application/json;q=0.5", MEDIA_JSON), MEDIA_CSV);
}
END_TEST

START_TEST(q_zero_excludes)
{
    ck_assert_int_eq(choose("text/csv;q=0", MEDIA_CSV), MEDIA_NONE);
    ck_assert_int_eq(choose("application/json;q=0.000", MEDIA_JSON), MEDIA_NONE);
    ck_assert_int_eq(choose("*/*, application/json;q=0", MEDIA_JSON), MEDIA_CSV);
    ck_assert_int_eq(choose("application/json;q=0, */*", MEDIA_JSON), MEDIA_CSV);
    ck_assert_int_eq(choose("*/*, application/json;q=0, text/csv;q=0", MEDIA_JSON), MEDIA_NPY);
    ck_assert_int_eq(choose("application/*, application/json;q=0", MEDIA_JSON), MEDIA_NPY);
    ck_assert_int_eq(choose("application/*, application/x-npy;q=0", MEDIA_NPY), MEDIA_JSON);
    ck_assert_int_eq(choose("text/*;q=0, */*", MEDIA_CSV), MEDIA_JSON);
    ck_assert_int_eq(choose("*/*;q=0", MEDIA_JSON), MEDIA_NONE);
    ck_assert_int_eq(choose("*/*;q=0, text/csv", MEDIA_JSON), MEDIA_CSV);
}
END_TEST

START_TEST(weights_as_negotiation_py_reads_them)
{
    /* Non-zero integer digits cap at 1; fractions truncate to thousandths. */
    ck_assert_int_eq(choose("text/csv;q=2, application/json", MEDIA_JSON), MEDIA_CSV);
    ck_assert_int_eq(choose("text/csv;q=1.5, application/json;q=0.999", MEDIA_JSON), MEDIA_CSV);
    ck_assert_int_eq(choose("text/csv;q=0.1239, application/x-npy;q=0.123", MEDIA_JSON), MEDIA_CSV);
    ck_assert_int_eq(choose("text/csv;q=0.1239, application/x-npy;q=0.124", MEDIA_JSON), MEDIA_NPY);
    ck_assert_int_eq(choose("text/csv;q=00.25, application/x-npy;q=0.2", MEDIA_JSON), MEDIA_CSV);
    ck_assert_int_eq(choose("text/csv;q=0.0005", MEDIA_CSV), MEDIA_NONE); /* 0.0005 is 0 */
    ck_assert_int_eq(choose("text/csv;q=.0001, application/x-npy;q=0.1", MEDIA_CSV), MEDIA_NPY);
}
END_TEST

START_TEST(malformed_elements_are_skipped)
{
    ck_assert_int_eq(choose("text/csv;q=abc, application/x-npy;q=0.1", MEDIA_CSV), MEDIA_NPY);
    ck_assert_int_eq(choose("text/csv;q=, application/x-npy;q=0.1", MEDIA_CSV), MEDIA_NPY);
    ck_assert_int_eq(choose("text/csv;q, application/x-npy;q=0.1", MEDIA_CSV), MEDIA_NPY);
    ck_assert_int_eq(choose("text/csv;q=., application/x-npy;q=0.1", MEDIA_CSV), MEDIA_NPY);
    ck_assert_int_eq(choose("text/csv;q=-0, application/x-npy;q=0.1", MEDIA_CSV), MEDIA_NPY);
    ck_assert_int_eq(choose("text/csv;q=+1, application/x-npy;q=0.1", MEDIA_CSV), MEDIA_NPY);
    ck_assert_int_eq(choose("text/csv;q=1e-3, application/x-npy;q=0.1", MEDIA_CSV), MEDIA_NPY);
    ck_assert_int_eq(choose("text/csv;q=0.5.5, application/x-npy;q=0.1", MEDIA_CSV), MEDIA_NPY);
    /* Only the first q counts, even when a later one is malformed. */
    ck_assert_int_eq(choose("text/csv;q=0.5;q=abc, application/x-npy;q=0.1", MEDIA_JSON), MEDIA_CSV);
    /* A parameter without '=' that is not q is just ignored. */
    ck_assert_int_eq(choose("text/csv;charset, application/x-npy;q=0.1", MEDIA_JSON), MEDIA_CSV);
    ck_assert_int_eq(choose("*/csv, application/x-npy;q=0.1", MEDIA_CSV), MEDIA_NPY);
    ck_assert_int_eq(choose("csv, , ,application/json", MEDIA_CSV), MEDIA_JSON);
    ck_assert_int_eq(choose("text/, /csv", MEDIA_CSV), MEDIA_NONE);
    ck_assert_int_eq(choose("application/json/x", MEDIA_CSV), MEDIA_NONE);
    /* Only empty elements: the default, as for an empty header. */
    ck_assert_int_eq(choose(",,,", MEDIA_CSV), MEDIA_CSV);
    ck_assert_int_eq(choose(" , */* ,", MEDIA_NPY), MEDIA_NPY);
}
END_TEST

START_TEST(not_acceptable_message)
{
    struct error err;
    enum media_type chosen = MEDIA_JSON;
    char long_accept[600];

    error_clear(&err);
    ck_assert_int_eq(accept_negotiate("application/xml, text/html", MEDIA_JSON, &chosen, &err), ERR_NOT_ACCEPTABLE);
    ck_assert_int_eq(err.code, ERR_NOT_ACCEPTABLE);
    ck_assert_int_eq(chosen, MEDIA_JSON); /* untouched */
    /* Word for word what negotiation.py says. */
    ck_assert_str_eq(err.message, "none of the types in the Accept header 'application/xml, text/html' can be "
                                  "produced; the default output_fn produces application/json, text/csv, "
                                  "application/x-npy, application/jsonlines (implement output_fn for other types)");

    /* Quoted as Python's repr() quotes. */
    accept_negotiate("it's", MEDIA_JSON, &chosen, &err);
    ck_assert_ptr_nonnull(strstr(err.message, "header \"it's\" can"));
    accept_negotiate("it's \"x\"", MEDIA_JSON, &chosen, &err);
    ck_assert_ptr_nonnull(strstr(err.message, "header 'it\\'s \"x\"' can"));
    accept_negotiate("a\\b\x01\x7f\tc", MEDIA_JSON, &chosen, &err);
    ck_assert_ptr_nonnull(strstr(err.message, "header 'a\\\\b\\x01\\x7f\\tc' can"));
    accept_negotiate("caf\xc3\xa9/x \xff", MEDIA_JSON, &chosen, &err);
    ck_assert_ptr_nonnull(strstr(err.message, "header 'caf\xc3\xa9/x \xef\xbf\xbd' can"));

    /* A long header is cut, marked, and the message stays whole. */
    memset(long_accept, 'a', sizeof long_accept - 1);
    long_accept[sizeof long_accept - 1] = '\0';
    long_accept[10] = '/';
    ck_assert_int_eq(accept_negotiate(long_accept, MEDIA_JSON, &chosen, &err), ERR_NOT_ACCEPTABLE);
    ck_assert_ptr_nonnull(strstr(err.message, "aaa'... can be produced"));
    ck_assert_ptr_nonnull(strstr(err.message, "(implement output_fn for other types)"));
    memset(long_accept, '\x01', sizeof long_accept - 1);
    ck_assert_int_eq(accept_negotiate(long_accept, MEDIA_JSON, &chosen, &err), ERR_NOT_ACCEPTABLE);
    ck_assert_ptr_nonnull(strstr(err.message, "\\x01'... can be produced"));
    ck_assert_ptr_nonnull(strstr(err.message, "(implement output_fn for other types)"));
    /* A NULL err is allowed. */
    ck_assert_int_eq(accept_negotiate("image/png", MEDIA_JSON, &chosen, NULL), ERR_NOT_ACCEPTABLE);
}
END_TEST

/* accept_negotiate_default: the configured default as text. */
static enum media_type choose_text(const char *accept, const char *default_accept)
{
    enum media_type chosen = MEDIA_NONE;
    if (accept_negotiate_default(accept, default_accept, &chosen, NULL) != OK)
        return MEDIA_NONE;
    return chosen;
}

START_TEST(default_as_text)
{
    ck_assert_int_eq(choose_text(NULL, "application/json"), MEDIA_JSON);
    ck_assert_int_eq(choose_text("", "text/csv"), MEDIA_CSV);
    ck_assert_int_eq(choose_text(" , */* ,", "application/x-npy; q=1"), MEDIA_NPY);
    /* A default we do not produce: 406, as in Python. */
    ck_assert_int_eq(choose_text("", "text/html"), MEDIA_NONE);
    ck_assert_int_eq(choose_text("*/*", "text/html"), MEDIA_NONE);
    /* A blank or any default: the fixed order. */
    ck_assert_int_eq(choose_text("", ""), MEDIA_JSON);
    ck_assert_int_eq(choose_text(NULL, NULL), MEDIA_JSON);
    ck_assert_int_eq(choose_text("*/*", "*/*"), MEDIA_JSON);
    /* A default that is a list is negotiated like a header. */
    ck_assert_int_eq(choose_text("", "text/plain; q=1, text/*"), MEDIA_CSV);
    /* Wildcards with an unsupported default: the fixed order. */
    ck_assert_int_eq(choose_text("application/*", "text/html"), MEDIA_JSON);
    ck_assert_int_eq(choose_text("application/*", "application/jsonlines"), MEDIA_JSONLINES);
    ck_assert_int_eq(choose_text("text/csv", "text/html"), MEDIA_CSV);
}
END_TEST

#ifndef FIXTURES_DIR
#define FIXTURES_DIR "tests/unit/fixtures"
#endif

/* Undoes gen_negotiate_cases.py's escaping in place; NULL for "\N". */
static char *unescape(char *text)
{
    char *in = text, *out = text;
    if (strcmp(text, "\\N") == 0)
        return NULL;
    while (*in != '\0') {
        if (*in == '\\' && in[1] != '\0') {
            in++;
            *out++ = *in == 't' ? '\t' : *in == 'n' ? '\n' : *in;
            in++;
        } else {
            *out++ = *in++;
        }
    }
    *out = '\0';
    return text;
}

static enum media_type media_of_name(const char *name)
{
    return strcmp(name, "406") == 0 ? MEDIA_NONE : media_type_parse(name, strlen(name));
}

START_TEST(agrees_with_negotiation_py)
{
    FILE *file = fopen(FIXTURES_DIR "/negotiate/cases.txt", "r");
    char line[4096];
    size_t cases = 0, both = 0;

    ck_assert_msg(file != NULL, "cannot open %s", FIXTURES_DIR "/negotiate/cases.txt");
    while (fgets(line, sizeof line, file) != NULL) {
        char *first_tab = strchr(line, '\t'), *second_tab, *newline;
        char *header, *default_accept, *expected_name;
        enum media_type expected, chosen = MEDIA_NONE, default_type;
        struct error err;

        ck_assert_ptr_nonnull(first_tab);
        second_tab = strchr(first_tab + 1, '\t');
        ck_assert_ptr_nonnull(second_tab);
        newline = strchr(second_tab + 1, '\n');
        if (newline != NULL)
            *newline = '\0';
        *first_tab = *second_tab = '\0';
        expected_name = second_tab + 1;
        expected = media_of_name(expected_name);
        ck_assert(expected != MEDIA_NONE || strcmp(expected_name, "406") == 0);
        header = unescape(line);
        default_accept = unescape(first_tab + 1);

        error_clear(&err);
        if (accept_negotiate_default(header, default_accept, &chosen, &err) != OK)
            chosen = MEDIA_NONE;
        ck_assert_msg(chosen == expected, "Accept [%s] default [%s]: C chose %d, Python %s", header ? header : "None",
                      default_accept ? default_accept : "None", chosen, expected_name);
        if (expected == MEDIA_NONE)
            ck_assert_int_eq(err.code, ERR_NOT_ACCEPTABLE);

        /* The enum form agrees whenever the default is one of ours, blank
         * or any. */
        default_type = default_accept ? media_type_parse(default_accept, strlen(default_accept)) : MEDIA_NONE;
        if (default_type != MEDIA_NONE || default_accept == NULL || strcmp(default_accept, "") == 0 ||
            strcmp(default_accept, "*/*") == 0) {
            chosen = MEDIA_NONE;
            if (accept_negotiate(header, default_type, &chosen, NULL) != OK)
                chosen = MEDIA_NONE;
            ck_assert_msg(chosen == expected, "Accept [%s] default type %d: C chose %d, Python %s",
                          header ? header : "None", default_type, chosen, expected_name);
            both++;
        }
        cases++;
    }
    fclose(file);
    ck_assert_uint_gt(cases, 1000);
    ck_assert_uint_gt(both, 500);
}
END_TEST

int main(void)
{
    Suite *suite = suite_create("negotiate");
    TCase *tcase = tcase_create("negotiate");
    SRunner *runner;
    int failed;

    tcase_add_test(tcase, parse_known_types);
    tcase_add_test(tcase, parse_ignores_case_parameters_and_spaces);
    tcase_add_test(tcase, parse_rejects_others);
    tcase_add_test(tcase, parse_uses_length_not_nul);
    tcase_add_test(tcase, response_types);
    tcase_add_test(tcase, missing_empty_and_star_give_default);
    tcase_add_test(tcase, exact_types);
    tcase_add_test(tcase, q_values_pick_highest);
    tcase_add_test(tcase, ties_go_to_header_order);
    tcase_add_test(tcase, wildcards);
    tcase_add_test(tcase, specific_range_sets_the_weight);
    tcase_add_test(tcase, q_zero_excludes);
    tcase_add_test(tcase, weights_as_negotiation_py_reads_them);
    tcase_add_test(tcase, malformed_elements_are_skipped);
    tcase_add_test(tcase, not_acceptable_message);
    tcase_add_test(tcase, default_as_text);
    tcase_add_test(tcase, agrees_with_negotiation_py);
    suite_add_tcase(suite, tcase);
    runner = srunner_create(suite);
    srunner_run_all(runner, CK_NORMAL);
    failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? 0 : 1;
}
