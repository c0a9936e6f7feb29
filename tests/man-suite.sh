#!/bin/sh
# The manual pages, run by `make check`: both are clean under `mandoc -Tlint -Wwarning`, and
# man/hookhost.1 keeps up with the binary: every flag and every environment variable that
# `hookhost --help` lists appears in it, and `hookhost --version` prints configure.ac's version.
set -eu

srcdir="${HOOKHOST_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}"
binary="${HOOKHOST_BIN:-$srcdir/build/src/hookhost}"
page="$srcdir/man/hookhost.1"
failed=0

fail() {
    echo "FAIL: $*" >&2
    failed=$((failed + 1))
}

if ! command -v mandoc >/dev/null 2>&1; then
    echo "FAIL: mandoc is not installed (apt-get install mandoc)" >&2
    exit 1
fi
for manual in man/hookhost.1 man/hookhost-hooks.7; do
    # -Wwarning: warnings and worse; mandoc prints nothing and exits 0 when the page is clean.
    if output="$(mandoc -Tlint -Wwarning "$srcdir/$manual" 2>&1)" && [ -z "$output" ]; then
        echo "ok: mandoc -Tlint -Wwarning $manual"
    else
        printf '%s\n' "$output" >&2
        fail "mandoc -Tlint -Wwarning $manual"
    fi
done

[ -x "$binary" ] || { echo "FAIL: no binary at $binary (set HOOKHOST_BIN)" >&2; exit 1; }
help="$("$binary" --help)" || { echo "FAIL: hookhost --help exited non-zero" >&2; exit 1; }

# The page's source with mdoc's escapes undone: `.Fl \-bind` reads `--bind`.
text="$(sed -e 's/\\-/-/g' -e 's/\([[:space:]]\)Fl -/\1--/g' -e 's/^\.Fl -/--/' "$page")"

# Flags: the option lines of --help ("  --bind ADDR:PORT ...") and the usage lines
# ("hookhost --version").
flags="$(printf '%s\n' "$help" |
    sed -n -e 's/^  \(--[a-z][a-z-]*\).*/\1/p' -e 's/^.*hookhost \(--[a-z][a-z-]*\).*/\1/p' | sort -u)"
[ -n "$flags" ] || fail "found no flags in hookhost --help"
count=0
before=$failed
for flag in $flags; do
    count=$((count + 1))
    printf '%s\n' "$text" | grep -q -e "$flag\([^a-z-]\|\$\)" || fail "man/hookhost.1 does not mention $flag"
done
[ "$failed" -eq "$before" ] && echo "ok: all $count flags of --help are in man/hookhost.1"

variables="$(printf '%s\n' "$help" | grep -o '\(SAGEMAKER\|HOOKHOST\)_[A-Z0-9_]*' | sort -u)"
[ -n "$variables" ] || fail "found no environment variables in hookhost --help"
count=0
before=$failed
for variable in $variables; do
    count=$((count + 1))
    printf '%s\n' "$text" | grep -q -w -e "$variable" || fail "man/hookhost.1 does not mention $variable"
done
[ "$failed" -eq "$before" ] && echo "ok: all $count environment variables of --help are in man/hookhost.1"

version="$(sed -n 's/^AC_INIT(\[hookhost\], \[\([^]]*\)\].*/\1/p' "$srcdir/configure.ac")"
[ "$("$binary" --version)" = "hookhost $version" ] || fail "hookhost --version does not print 'hookhost $version'"
echo "ok: hookhost --version prints $version"

[ "$failed" -eq 0 ] || exit 1
