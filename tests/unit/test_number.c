/*
 * number_parse / number_format: hand-picked edges (halfway points, subnormals,
 * layout thresholds, spans that end early), a self-check of a few million
 * random bit patterns (format then parse gives the same bits), and the
 * differential run: tests/unit/gen_number_cases.py asks Python and numpy
 * for the expected answers, this file checks every line.
 *
 * The differential part runs `$PYTHON $HOOKHOST_SRCDIR/tests/unit/
 * gen_number_cases.py` (PYTHON defaults to /usr/bin/python3, the source dir
 * to the one FIXTURES_DIR names); HOOKHOST_NUMBER_CASES_FILE reads a file instead, and
 * HOOKHOST_NUMBER_CASES_COUNT scales the run (default 200000).
 */
#include <check.h>
#include <float.h>
#include <locale.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "number_format.h"
#include "number_parse.h"

static uint64_t bits_of(double x)
{
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    return bits;
}

static double double_of(uint64_t bits)
{
    double x;
    memcpy(&x, &bits, sizeof x);
    return x;
}

static float float_of(uint32_t bits)
{
    float x;
    memcpy(&x, &bits, sizeof x);
    return x;
}

static double half_value(unsigned bits)
{
    const unsigned exponent = (bits >> 10) & 0x1F, fraction = bits & 0x3FF;
    double magnitude;
    if (exponent == 0)
        magnitude = ldexp(fraction, -24);
    else if (exponent == 31)
        magnitude = fraction ? NAN : INFINITY;
    else
        magnitude = ldexp(1024 + fraction, (int)exponent - 25);
    return bits & 0x8000 ? -magnitude : magnitude;
}

/* Same bits, or both NaN with the same sign. */
static bool same_double(double a, double b)
{
    if (isnan(a) || isnan(b))
        return isnan(a) && isnan(b) && signbit(a) == signbit(b);
    return bits_of(a) == bits_of(b);
}

/* Parses text from an exact-size heap copy, so ASan/valgrind see any
 * read past the end.  Returns the consumed length or -1. */
static long parse_exact(const char *text, size_t length, double *value)
{
    char *copy = malloc(length ? length : 1);
    const char *end;
    long consumed;
    /* Plain checks in the hot loops: each ck_assert is a message to the
     * parent process. */
    if (copy == NULL)
        abort();
    memcpy(copy, text, length);
    end = number_parse_double(copy, copy + length, value);
    consumed = end ? (long)(end - copy) : -1;
    free(copy);
    return consumed;
}

static double parse_whole(const char *text)
{
    double value = -12345.0;
    long consumed = parse_exact(text, strlen(text), &value);
    ck_assert_msg(consumed == (long)strlen(text), "'%.60s': consumed %ld of %zu", text, consumed,
                  strlen(text));
    return value;
}

#define ck_assert_parses_to(text, expected)                                                        \
    do {                                                                                           \
        double got_ = parse_whole(text);                                                           \
        ck_assert_msg(same_double(got_, (expected)), "'%.60s' -> %a, want %a", (text), got_,      \
                      (double)(expected));                                                         \
    } while (0)

static const char *formatted(size_t (*format)(double, char *), double value)
{
    static char text[NUMBER_FORMAT_MAX + 1];
    size_t length = format(value, text);
    ck_assert_uint_lt(length, NUMBER_FORMAT_MAX);
    text[length] = '\0';
    return text;
}

static const char *numpy_str(double value, int float_bits)
{
    static char text[NUMBER_FORMAT_MAX + 1];
    size_t length = number_format_numpy_str(value, float_bits, text);
    ck_assert_uint_lt(length, NUMBER_FORMAT_MAX);
    text[length] = '\0';
    return text;
}

/* The decimal digits of m * 5^k (so m * 2^-k = digits * 10^-k), without
 * long double, which valgrind does not emulate exactly.  Returns the count. */
static size_t exact_dyadic(uint64_t m, int k, char *out)
{
    uint32_t limbs[120]; /* base 10^9, least significant first */
    size_t count = 0, length;
    char *p;

    for (; m != 0; m /= 1000000000)
        limbs[count++] = (uint32_t)(m % 1000000000);
    for (int i = 0; i < k; i++) {
        uint64_t carry = 0;
        for (size_t j = 0; j < count; j++) {
            uint64_t product = (uint64_t)limbs[j] * 5 + carry;
            limbs[j] = (uint32_t)(product % 1000000000);
            carry = product / 1000000000;
        }
        if (carry)
            limbs[count++] = (uint32_t)carry;
    }
    p = out + sprintf(out, "%u", limbs[count - 1]);
    for (size_t j = count - 1; j-- > 0;)
        p += sprintf(p, "%09u", limbs[j]);
    length = (size_t)(p - out);
    return length;
}

START_TEST(parse_grammar_takes_longest_prefix)
{
    static const struct {
        const char *text;
        long consumed;
    } cases[] = {
        {"1", 1}, {"-1", 2}, {"+1", 2}, {"1.", 2}, {".5", 2}, {"-.5", 3}, {".", -1}, {"-", -1},
        {"+", -1}, {"", -1}, {"-.", -1}, {"e5", -1}, {".e5", -1}, {"1e", 1}, {"1e+", 1}, {"1e-", 1},
        {"1E5", 3}, {"1e+05", 5}, {"1.5e-3x", 6}, {"1..2", 2}, {"1e5e5", 3}, {"0x10", 1},
        {"1_000", 1}, {" 1", -1}, {"1,5", 1}, {"--1", -1}, {"+-1", -1}, {"nan", 3}, {"-NaN", 4},
        {"nanx", 3}, {"na", -1}, {"inf", 3}, {"-Inf", 4}, {"infinity", 8}, {"INFINITYy", 8},
        {"infin", 3}, {"in", -1}, {"+iNfInItY", 9}, {"1.e5", 4}, {"00012", 5},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double value = 0;
        long consumed = parse_exact(cases[i].text, strlen(cases[i].text), &value);
        ck_assert_msg(consumed == cases[i].consumed, "'%s': consumed %ld, want %ld", cases[i].text,
                      consumed, cases[i].consumed);
    }
}
END_TEST

START_TEST(parse_never_reads_past_end)
{
    /* The byte at `end` would extend the number if it were read. */
    static const struct {
        const char *text;
        size_t length;
        long consumed;
        double value;
    } cases[] = {
        {"12345", 3, 3, 123.0}, {"1.25", 2, 2, 1.0}, {"1e59", 2, 1, 1.0}, {"1e+5", 3, 1, 1.0},
        {"infinity", 5, 3, INFINITY}, {"1234567890123456789012", 20, 20, 12345678901234567890.0},
        {"0.12345678", 9, 9, 0.1234567}, {"nan", 2, -1, 0}, {"-", 0, -1, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double value = 0;
        long consumed = parse_exact(cases[i].text, cases[i].length, &value);
        ck_assert_int_eq(consumed, cases[i].consumed);
        if (consumed >= 0)
            ck_assert_msg(same_double(value, cases[i].value), "%s/%zu -> %a", cases[i].text,
                          cases[i].length, value);
    }
}
END_TEST

START_TEST(parse_rounds_correctly)
{
    ck_assert_parses_to("0.1", 0.1);
    ck_assert_parses_to("-0", -0.0);
    ck_assert_parses_to("0e999999999999", 0.0);
    ck_assert_parses_to("9007199254740993", 9007199254740992.0);   /* tie, to even */
    ck_assert_parses_to("9007199254740995", 9007199254740996.0);   /* tie, to even */
    ck_assert_parses_to("9007199254740993.0000000000000000000000001", 9007199254740994.0);
    ck_assert_parses_to("1e23", 0x1.52d02c7e14af6p+76);
    ck_assert_parses_to("8.98846567431158e307", 0x1p+1023);
    ck_assert_parses_to("2.2250738585072011e-308", 0x0.fffffffffffffp-1022);
    ck_assert_parses_to("2.2250738585072012e-308", 0x1p-1022);
    ck_assert_parses_to("2.2250738585072014e-308", DBL_MIN);
    ck_assert_parses_to("4.9406564584124654e-324", 0x1p-1074);
    ck_assert_parses_to("2.4703282292062328e-324", 0x1p-1074);
    ck_assert_parses_to("2.4703282292062327e-324", 0.0);
    ck_assert_parses_to("1e-400", 0.0);
    ck_assert_parses_to("-1e-400", -0.0);
    ck_assert_parses_to("1.7976931348623157e308", DBL_MAX);
    ck_assert_parses_to("1.7976931348623158e308", DBL_MAX);
    ck_assert_parses_to("1.7976931348623159e308", INFINITY);
    ck_assert_parses_to("-1e400", -INFINITY);
    ck_assert_parses_to("1e99999999999999999999", INFINITY);
    ck_assert_parses_to("7.2057594037927933e16", 72057594037927936.0);
    ck_assert_parses_to("123456789012345678901234567890e-10", 12345678901234567890.123456789);
    /* Exact halfway points with more than 19 digits: ties to even, and one
     * more nonzero digit anywhere breaks the tie. */
    ck_assert_parses_to("1.00000000000000011102230246251565404236316680908203125", 1.0);
    ck_assert_parses_to("1.000000000000000111022302462515654042363166809082031250000001",
                        0x1.0000000000001p0);
    ck_assert_parses_to("1.00000000000000033306690738754696212708950042724609375",
                        0x1.0000000000002p0);
    ck_assert_parses_to("-nan", -NAN);
    ck_assert_parses_to("NaN", NAN);
    ck_assert_parses_to("-Infinity", -INFINITY);
}
END_TEST

START_TEST(parse_long_digit_strings)
{
    char text[2100];

    /* 0.(400 zeros)1 e400 = 0.1 */
    strcpy(text, "0.");
    memset(text + 2, '0', 400);
    strcpy(text + 402, "1e400");
    ck_assert_parses_to(text, 0.1);

    /* 800 digits: 1 followed by 799 zeros is 1e799 -> inf; times 1e-790 -> 1e9 */
    text[0] = '1';
    memset(text + 1, '0', 799);
    text[800] = '\0';
    ck_assert_parses_to(text, INFINITY);
    strcpy(text + 800, "e-790");
    ck_assert_parses_to(text, 1e9);

    /* 800 threes after "0." is 1/3 */
    strcpy(text, "0.");
    memset(text + 2, '3', 800);
    text[802] = '\0';
    ck_assert_parses_to(text, 1.0 / 3.0);

    /* The exact midpoint between the two largest subnormals, 768 significant
     * digits: a tie, to even; then nudged up by a digit far past the 780 the
     * fallback keeps. */
    {
        char midpoint[2000];
        size_t length = exact_dyadic(UINT64_C(0x1ffffffffffffd), 1075, midpoint);
        ck_assert_uint_eq(length, 768);
        sprintf(midpoint + length, "e-1075");
        ck_assert_parses_to(midpoint, 0x0.ffffffffffffep-1022);
        memset(midpoint + length, '0', 300);
        sprintf(midpoint + length + 300, "1e-1376");
        ck_assert_parses_to(midpoint, 0x0.fffffffffffffp-1022);
    }

    /* 2000 zeros then a digit, all before the point */
    memset(text, '0', 2000);
    strcpy(text + 2000, "7.5");
    ck_assert_parses_to(text, 7.5);
}
END_TEST

START_TEST(parse_int64)
{
    static const struct {
        const char *text;
        long consumed;
        bool overflow;
        int64_t value;
    } cases[] = {
        {"0", 1, false, 0}, {"-0", 2, false, 0}, {"+42", 3, false, 42}, {"12ab", 2, false, 12},
        {"9223372036854775807", 19, false, INT64_MAX},
        {"-9223372036854775808", 20, false, INT64_MIN},
        {"9223372036854775808", 19, true, INT64_MAX},
        {"-9223372036854775809", 20, true, INT64_MIN},
        {"18446744073709551615", 20, true, INT64_MAX},
        {"18446744073709551616", 20, true, INT64_MAX},
        {"-99999999999999999999999", 24, true, INT64_MIN},
        {"1.5", 1, false, 1}, {"", -1, false, 0}, {"-", -1, false, 0}, {"x1", -1, false, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const size_t length = strlen(cases[i].text);
        char *copy = malloc(length + 1);
        int64_t value = 0;
        bool overflow = !cases[i].overflow;
        const char *end;
        memcpy(copy, cases[i].text, length);
        end = number_parse_int64(copy, copy + length, &value, &overflow);
        ck_assert_int_eq(end ? end - copy : -1, cases[i].consumed);
        if (end) {
            ck_assert_msg(overflow == cases[i].overflow, "%s", cases[i].text);
            ck_assert_int_eq(value, cases[i].value);
        }
        free(copy);
    }
}
END_TEST

START_TEST(format_repr_layout)
{
    static const struct {
        double value;
        const char *repr;
    } cases[] = {
        {0.0, "0.0"}, {-0.0, "-0.0"}, {1.0, "1.0"}, {-2.5, "-2.5"}, {0.1, "0.1"},
        {1.0 / 3.0, "0.3333333333333333"}, {100.0, "100.0"}, {1e15, "1000000000000000.0"},
        {9999999999999998.0, "9999999999999998.0"}, {1e16, "1e+16"}, {1.5e16, "1.5e+16"},
        {1e-4, "0.0001"}, {0.00012, "0.00012"}, {9.999999999999999e-05, "9.999999999999999e-05"},
        {1e-5, "1e-05"}, {1.5e300, "1.5e+300"}, {1e22, "1e+22"}, {1e23, "1e+23"},
        {1e100, "1e+100"}, {0x1p-1074, "5e-324"}, {0x1p-1073, "1e-323"},
        {DBL_MIN, "2.2250738585072014e-308"}, {0x0.fffffffffffffp-1022, "2.225073858507201e-308"},
        {DBL_MAX, "1.7976931348623157e+308"}, {-DBL_MAX, "-1.7976931348623157e+308"},
        {9007199254740992.0, "9007199254740992.0"}, {123456789.125, "123456789.125"},
        {123456789012345678.0, "1.2345678901234568e+17"}, {0.3, "0.3"}, {2.0 / 3.0, "0.6666666666666666"},
        {5e-5, "5e-05"}, {1234.5e-8, "1.2345e-05"}, {0.001, "0.001"},
        {(double)0.1f, "0.10000000149011612"}, {NAN, "nan"}, {-NAN, "nan"}, {INFINITY, "inf"},
        {-INFINITY, "-inf"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        ck_assert_str_eq(formatted(number_format_double_repr, cases[i].value), cases[i].repr);
}
END_TEST

START_TEST(format_json_specials)
{
    ck_assert_str_eq(formatted(number_format_double_json, NAN), "NaN");
    ck_assert_str_eq(formatted(number_format_double_json, INFINITY), "Infinity");
    ck_assert_str_eq(formatted(number_format_double_json, -INFINITY), "-Infinity");
    ck_assert_str_eq(formatted(number_format_double_json, -0.0), "-0.0");
    ck_assert_str_eq(formatted(number_format_double_json, 1e16), "1e+16");
    ck_assert_str_eq(formatted(number_format_double_json, 0.5), "0.5");
}
END_TEST

START_TEST(format_numpy_str_layout)
{
    /* Answers of numpy 1.24's str() on the scalar. */
    ck_assert_str_eq(numpy_str(1e16f, 32), "1e+16");
    ck_assert_str_eq(numpy_str(1e16, 64), "1e+16");
    ck_assert_str_eq(numpy_str(9999999e9f, 32), "9999999000000000.0");
    ck_assert_str_eq(numpy_str(0.0001f, 32), "1e-04");           /* just below 1e-4 */
    ck_assert_str_eq(numpy_str(9.999e-05f, 32), "9.999e-05");
    ck_assert_str_eq(numpy_str(1e-4, 64), "0.0001");
    ck_assert_str_eq(numpy_str(1e-5f, 32), "1e-05");
    ck_assert_str_eq(numpy_str(0.1f, 32), "0.1");
    ck_assert_str_eq(numpy_str(0.1, 64), "0.1");
    ck_assert_str_eq(numpy_str(16777216.0f, 32), "16777216.0");
    ck_assert_str_eq(numpy_str(1.5e10f, 32), "15000000000.0");
    ck_assert_str_eq(numpy_str(FLT_MAX, 32), "3.4028235e+38");
    ck_assert_str_eq(numpy_str(0x1p-149, 32), "1e-45");
    ck_assert_str_eq(numpy_str(0x1p-126, 32), "1.1754944e-38");
    ck_assert_str_eq(numpy_str(-0.0, 32), "-0.0");
    ck_assert_str_eq(numpy_str(1.0, 32), "1.0");
    ck_assert_str_eq(numpy_str(65504.0, 16), "65500.0");
    ck_assert_str_eq(numpy_str(2048.0, 16), "2048.0");
    ck_assert_str_eq(numpy_str(0x1p-24, 16), "6e-08");           /* smallest subnormal */
    ck_assert_str_eq(numpy_str(0x3ffp-24, 16), "6.1e-05");       /* largest subnormal */
    ck_assert_str_eq(numpy_str(0x1p-14, 16), "6.104e-05");       /* smallest normal */
    ck_assert_str_eq(numpy_str(half_value(0x068e), 16), "0.0001"); /* 1.0001659e-4 */
    ck_assert_str_eq(numpy_str(half_value(0x2e66), 16), "0.1");
    ck_assert_str_eq(numpy_str(-1.0, 16), "-1.0");
    ck_assert_str_eq(numpy_str(NAN, 16), "nan");
    ck_assert_str_eq(numpy_str(-INFINITY, 32), "-inf");
    ck_assert_str_eq(numpy_str(5e-324, 64), "5e-324");
    ck_assert_str_eq(numpy_str(1.2345678901234568e+17, 64), "1.2345678901234568e+17");
}
END_TEST

START_TEST(format_integers)
{
    char text[NUMBER_FORMAT_MAX + 1];
    text[number_format_int64(INT64_MIN, text)] = '\0';
    ck_assert_str_eq(text, "-9223372036854775808");
    text[number_format_int64(INT64_MAX, text)] = '\0';
    ck_assert_str_eq(text, "9223372036854775807");
    text[number_format_int64(0, text)] = '\0';
    ck_assert_str_eq(text, "0");
    text[number_format_int64(-7, text)] = '\0';
    ck_assert_str_eq(text, "-7");
    text[number_format_uint64(UINT64_MAX, text)] = '\0';
    ck_assert_str_eq(text, "18446744073709551615");
    text[number_format_uint64(1000000, text)] = '\0';
    ck_assert_str_eq(text, "1000000");
}
END_TEST

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

/* Format then parse gives back the same value, strtod agrees with the
 * parse, and nothing is written past NUMBER_FORMAT_MAX. */
START_TEST(format_parse_round_trip_random)
{
    uint64_t state = 42;
    char text[NUMBER_FORMAT_MAX + 16];
    long failures = 0;
    for (int i = 0; i < 2000000; i++) {
        const uint64_t bits = splitmix64(&state);
        const double value = double_of(bits);
        const float narrow = float_of((uint32_t)bits);
        double back = 0, back_narrow = 0;
        size_t length, narrow_length;
        bool ok;

        memset(text, '#', sizeof text);
        length = number_format_double_repr(value, text);
        ok = text[NUMBER_FORMAT_MAX] == '#' && length < NUMBER_FORMAT_MAX
             && parse_exact(text, length, &back) == (long)length
             && (same_double(back, value) || isnan(value));
        text[length] = '\0';
        ok = ok && (same_double(strtod(text, NULL), back) || isnan(value));
        narrow_length = number_format_numpy_str(narrow, 32, text + 20);
        ok = ok && parse_exact(text + 20, narrow_length, &back_narrow) == (long)narrow_length
             && ((float)back_narrow == narrow || isnan(narrow));
        if (!ok && failures++ < 10)
            fprintf(stderr, "round trip failed: %016llx -> %s\n", (unsigned long long)bits, text);
    }
    ck_assert_int_eq(failures, 0);
}
END_TEST

/* Parsing and printing ignore the C library locale. */
START_TEST(locale_independent)
{
    const char *names[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", NULL};
    const char *chosen = NULL;
    for (int i = 0; names[i] && !chosen; i++)
        chosen = setlocale(LC_ALL, names[i]) ? names[i] : NULL;
    if (!chosen) {
        fprintf(stderr, "note: no comma-decimal locale installed; locale test ran in \"C\"\n");
    } else {
        char check[16];
        snprintf(check, sizeof check, "%.1f", 1.5);
        ck_assert_str_eq(check, "1,5"); /* the locale really is in effect */
    }
    ck_assert_parses_to("1.5", 1.5);
    ck_assert_parses_to("1.000000000000000111022302462515654042363166809082031250000001",
                        0x1.0000000000001p0); /* the strtod fallback */
    ck_assert_str_eq(formatted(number_format_double_repr, 1.5), "1.5");
    ck_assert_str_eq(numpy_str(0.25, 32), "0.25");
    setlocale(LC_ALL, "C");
}
END_TEST

/* ---- the differential run ------------------------------------------------ */

struct diff_counts {
    long cases[128];
    long mismatches;
};

static void mismatch(struct diff_counts *counts, const char *line, const char *got)
{
    if (counts->mismatches++ < 20)
        fprintf(stderr, "number mismatch: %s   got: %s\n", line, got);
}

static void check_format(struct diff_counts *counts, const char *line, const char *want,
                         size_t (*format)(double, char *), double value)
{
    char got[NUMBER_FORMAT_MAX + 1];
    size_t length = format(value, got);
    got[length] = '\0';
    if (strcmp(got, want) != 0)
        mismatch(counts, line, got);
}

static void check_numpy(struct diff_counts *counts, const char *line, const char *want, double value,
                        int float_bits)
{
    char got[NUMBER_FORMAT_MAX + 1];
    size_t length = number_format_numpy_str(value, float_bits, got);
    got[length] = '\0';
    if (strcmp(got, want) != 0)
        mismatch(counts, line, got);
}

static void check_case(struct diff_counts *counts, char *line)
{
    char saved[2048], f1[1100], f2[64], f3[64], f4[64];
    int offset = 0;
    snprintf(saved, sizeof saved, "%s", line);
    counts->cases[(unsigned char)line[0] & 127]++;
    switch (line[0]) {
    case 'd': {
        unsigned long long bits;
        if (sscanf(line, "d %llx %63s %63s %63s", &bits, f2, f3, f4) != 4)
            break;
        check_format(counts, saved, f2, number_format_double_repr, double_of(bits));
        check_format(counts, saved, f3, number_format_double_json, double_of(bits));
        check_numpy(counts, saved, f4, double_of(bits), 64);
        return;
    }
    case 'f': {
        unsigned bits;
        if (sscanf(line, "f %x %63s", &bits, f2) != 2)
            break;
        check_numpy(counts, saved, f2, float_of(bits), 32);
        return;
    }
    case 'h': {
        unsigned bits;
        if (sscanf(line, "h %x %63s", &bits, f2) != 2)
            break;
        check_numpy(counts, saved, f2, half_value(bits), 16);
        return;
    }
    case 'p': {
        long want_consumed, consumed;
        double value = 0;
        if (sscanf(line, "p %ld %63s%n", &want_consumed, f2, &offset) != 2 || offset == 0)
            break;
        /* The text is the rest of the line after one space, spaces included. */
        const char *text = line[offset] == ' ' ? line + offset + 1 : line + offset;
        consumed = parse_exact(text, strlen(text), &value);
        if (consumed != want_consumed) {
            snprintf(f1, sizeof f1, "consumed %ld", consumed);
            mismatch(counts, saved, f1);
        } else if (consumed >= 0 && !same_double(value, double_of(strtoull(f2, NULL, 16)))) {
            snprintf(f1, sizeof f1, "%016llx", (unsigned long long)bits_of(value));
            mismatch(counts, saved, f1);
        }
        return;
    }
    case 'i': {
        long want_consumed;
        int want_overflow;
        long long want_value;
        if (sscanf(line, "i %ld %d %lld%n", &want_consumed, &want_overflow, &want_value, &offset) != 3
            || offset == 0)
            break;
        const char *text = line[offset] == ' ' ? line + offset + 1 : line + offset;
        const size_t length = strlen(text);
        char *copy = malloc(length + 1);
        int64_t value = 0;
        bool overflow = false;
        memcpy(copy, text, length);
        const char *end = number_parse_int64(copy, copy + length, &value, &overflow);
        if ((end ? end - copy : -1) != want_consumed
            || (end && (overflow != (want_overflow != 0) || value != want_value))) {
            snprintf(f1, sizeof f1, "consumed %ld overflow %d value %lld", end ? (long)(end - copy) : -1L,
                     overflow, (long long)value);
            mismatch(counts, saved, f1);
        } else if (end && !overflow) {
            char formatted_value[NUMBER_FORMAT_MAX + 1];
            formatted_value[number_format_int64(value, formatted_value)] = '\0';
            snprintf(f2, sizeof f2, "%lld", want_value);
            if (strcmp(formatted_value, f2) != 0)
                mismatch(counts, saved, formatted_value);
        }
        free(copy);
        return;
    }
    case 'u': {
        char got[NUMBER_FORMAT_MAX + 1];
        if (sscanf(line, "u %63s", f2) != 1)
            break;
        got[number_format_uint64(strtoull(f2, NULL, 10), got)] = '\0';
        if (strcmp(got, f2) != 0)
            mismatch(counts, saved, got);
        return;
    }
    default:
        break;
    }
    mismatch(counts, saved, "(malformed case line)");
}

static FILE *open_cases(bool *is_pipe)
{
    const char *file = getenv("HOOKHOST_NUMBER_CASES_FILE");
    const char *python = getenv("PYTHON");
    const char *srcdir = getenv("HOOKHOST_SRCDIR");
    const char *count = getenv("HOOKHOST_NUMBER_CASES_COUNT");
    char script[4096], command[8192];

    if (file) {
        *is_pipe = false;
        return fopen(file, "r");
    }
    if (srcdir) {
        snprintf(script, sizeof script, "%s/tests/unit/gen_number_cases.py", srcdir);
    } else {
#ifdef FIXTURES_DIR
        /* FIXTURES_DIR is <srcdir>/tests/unit/fixtures, which may not exist. */
        const char *fixtures = FIXTURES_DIR;
        const size_t length = strlen(fixtures);
        const size_t suffix = strlen("/fixtures");
        if (length > suffix && strcmp(fixtures + length - suffix, "/fixtures") == 0)
            snprintf(script, sizeof script, "%.*s/gen_number_cases.py", (int)(length - suffix), fixtures);
        else
#endif
            snprintf(script, sizeof script, "tests/unit/gen_number_cases.py");
    }
    snprintf(command, sizeof command, "'%s' '%s' --count %ld", python ? python : "/usr/bin/python3",
             script, count ? strtol(count, NULL, 10) : 200000L);
    *is_pipe = true;
    return popen(command, "r");
}

START_TEST(differential_against_python_and_numpy)
{
    struct diff_counts counts;
    bool is_pipe;
    FILE *cases = open_cases(&is_pipe);
    char *line = NULL;
    size_t capacity = 0;
    ssize_t length;
    long total = 0;

    memset(&counts, 0, sizeof counts);
    ck_assert_msg(cases != NULL, "cannot start the case generator");
    while ((length = getline(&line, &capacity, cases)) > 0) {
        if (line[length - 1] == '\n')
            line[--length] = '\0';
        check_case(&counts, line);
        total++;
    }
    free(line);
    ck_assert_int_eq(is_pipe ? pclose(cases) : fclose(cases), 0);
    printf("number differential: %ld cases (float64 format %ld, float32 %ld, float16 %ld, "
           "parse %ld, int64 %ld, uint64 %ld), %ld mismatches\n",
           total, counts.cases['d'], counts.cases['f'], counts.cases['h'], counts.cases['p'],
           counts.cases['i'], counts.cases['u'], counts.mismatches);
    ck_assert_int_gt(counts.cases['h'], 65535);
    ck_assert_int_gt(total, 10000);
    ck_assert_int_eq(counts.mismatches, 0);
}
END_TEST

int main(void)
{
    Suite *suite = suite_create("number");
    TCase *edges = tcase_create("edges");
    TCase *bulk = tcase_create("bulk");
    SRunner *runner;
    int failed;

    tcase_add_test(edges, parse_grammar_takes_longest_prefix);
    tcase_add_test(edges, parse_never_reads_past_end);
    tcase_add_test(edges, parse_rounds_correctly);
    tcase_add_test(edges, parse_long_digit_strings);
    tcase_add_test(edges, parse_int64);
    tcase_add_test(edges, format_repr_layout);
    tcase_add_test(edges, format_json_specials);
    tcase_add_test(edges, format_numpy_str_layout);
    tcase_add_test(edges, format_integers);
    tcase_add_test(edges, locale_independent);
    tcase_add_test(bulk, format_parse_round_trip_random);
    tcase_add_test(bulk, differential_against_python_and_numpy);
    tcase_set_timeout(bulk, 600);
    suite_add_tcase(suite, edges);
    suite_add_tcase(suite, bulk);
    runner = srunner_create(suite);
    srunner_run_all(runner, CK_NORMAL);
    failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? 0 : 1;
}
