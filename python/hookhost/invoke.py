"""python3 -m hookhost.invoke: one request through a script, as hookhost would answer it.

    python3 -m hookhost.invoke code/inference.py --model-dir model \\
        --content-type text/csv --accept application/json < body.csv

Loads the script with hookhost.testing.Harness (model_fn runs once), sends
the body read from stdin (or --body FILE) and prints the answer: the status
line and headers on stderr, the body bytes on stdout (the script's own
print() output goes to stderr).  The exit status is 0 for a 2xx answer, 1
for any other answer or when the script cannot be loaded (the error and its
traceback on stderr), 2 for a bad command line.
--env NAME=VALUE (repeatable) sets environment variables for the script,
e.g. --env SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT=text/csv.
"""

import argparse
import contextlib
import http
import sys

from hookhost.testing import DEFAULT_CONTENT_TYPE, Harness, LoadError


def _parser():
    parser = argparse.ArgumentParser(
        prog="python3 -m hookhost.invoke",
        description="Run one request through an inference script's hooks as the hookhost server would, "
                    "without a server: the status line and headers go to stderr, the body to stdout.")
    parser.add_argument("script", help="the user script, e.g. code/inference.py")
    parser.add_argument("--model-dir", required=True, help="the directory passed to model_fn")
    parser.add_argument("--content-type", default=DEFAULT_CONTENT_TYPE,
                        help="the request's Content-Type (default %(default)s; '' sends none)")
    parser.add_argument("--accept", default=None, help="the request's Accept (default: none sent)")
    parser.add_argument("--body", default="-", help="file holding the request body (default: stdin)")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="an environment variable for the script (repeatable)")
    return parser


def _read_body(path):
    if path == "-":
        return sys.stdin.buffer.read()
    with open(path, "rb") as handle:
        return handle.read()


def main(argv=None):
    arguments = _parser().parse_args(argv)
    env = {}
    for item in arguments.env:
        name, equals, value = item.partition("=")
        if not equals or not name:
            _parser().error("--env takes NAME=VALUE, not %r" % item)
        env[name] = value
    try:
        body = _read_body(arguments.body)
    except OSError as error:
        sys.stderr.write("hookhost.invoke: cannot read the body: %s\n" % error)
        return 1
    try:
        # The script's print() output goes to stderr, as the server logs it, so stdout is the body alone.
        with contextlib.redirect_stdout(sys.stderr):
            harness = Harness(arguments.script, arguments.model_dir, env=env)
    except LoadError as error:
        if error.traceback:
            sys.stderr.write(error.traceback)
        sys.stderr.write("hookhost.invoke: cannot load %s: %s: %s\n" % (arguments.script, error.name, error.message))
        return 1
    except ValueError as error:
        sys.stderr.write("hookhost.invoke: %s\n" % error)
        return 1
    with contextlib.redirect_stdout(sys.stderr):
        result = harness.invoke(body, content_type=arguments.content_type, accept=arguments.accept)
    try:
        reason = http.HTTPStatus(result.status).phrase
    except ValueError:
        reason = ""
    sys.stderr.write("HTTP/1.1 %d %s\n" % (result.status, reason))
    for name, value in result.header_list:
        sys.stderr.write("%s: %s\n" % (name, value))
    sys.stderr.flush()
    sys.stdout.buffer.write(result.body)
    sys.stdout.flush()
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
