"""transform_fn: one hook that owns the whole request.

A linear model scores records.  The script reads JSON Lines (one JSON object
a line, the usual batch-transform input) or a JSON document, and answers in
the format the client accepts:

    curl -s localhost:8080/invocations -H 'Content-Type: application/jsonlines' \
         -H 'Accept: application/jsonlines' --data-binary $'{"id": "a", "features": [1, 2, 3]}\n'
    {"id": "a", "score": 0.375}

    curl -s localhost:8080/invocations -H 'Content-Type: application/json' \
         -d '{"instances": [{"id": "a", "features": [1, 2, 3]}]}'
    {"predictions": [{"id": "a", "score": 0.375}]}

With transform_fn defined, input_fn, predict_fn and output_fn must not be:
hookhost refuses to start such a script (exit status 3).  Client errors are
exceptions with an integer ``status_code``, which hookhost answers with that
status and a JSON error body; this script needs nothing from hookhost, only
the standard library.
"""
import json
import os


class ClientError(Exception):
    """An error the client caused; hookhost answers with ``status_code``."""

    def __init__(self, status_code, message):
        super().__init__(message)
        self.status_code = status_code


class LinearModel(object):
    def __init__(self, weights, bias, names):
        self.weights = [float(w) for w in weights]
        self.bias = float(bias)
        self.names = list(names)

    def score(self, features):
        if len(features) != len(self.weights):
            raise ClientError(400, "expected %d features (%s), got %d"
                              % (len(self.weights), ", ".join(self.names), len(features)))
        try:
            values = [float(x) for x in features]
        except (TypeError, ValueError):
            raise ClientError(400, "features must be numbers: %r" % (features,))
        return self.bias + sum(w * x for w, x in zip(self.weights, values))


def model_fn(model_dir):
    with open(os.path.join(model_dir, "linear.json")) as saved:
        spec = json.load(saved)
    return LinearModel(spec["weights"], spec["bias"], spec["feature_names"])


def transform_fn(model, body, content_type, accept):
    if isinstance(body, bytes):
        # Only application/json and text/csv arrive as str; JSON Lines arrives as bytes.
        body = body.decode("utf-8", "replace")
    media = content_type.split(";")[0].strip().lower()
    if media == "application/jsonlines":
        records = [_record(line, number) for number, line in enumerate(body.splitlines(), 1) if line.strip()]
    elif media == "application/json":
        try:
            document = json.loads(body)
        except ValueError as error:
            raise ClientError(400, "body is not JSON: %s" % error)
        if not isinstance(document, dict) or not isinstance(document.get("instances"), list):
            raise ClientError(400, 'expected {"instances": [{"features": [...]}, ...]}')
        records = [_checked(item, number) for number, item in enumerate(document["instances"], 1)]
    else:
        raise ClientError(415, "send application/jsonlines or application/json, not %s" % content_type)

    results = []
    for record in records:
        result = {"score": round(model.score(record["features"]), 6)}
        if "id" in record:
            result = {"id": record["id"], "score": result["score"]}
        results.append(result)

    # accept is the Accept header as sent, or SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT
    # (application/json unless set) when the client sent none or */*.
    wanted = [part.split(";")[0].strip().lower() for part in accept.split(",")]
    if "application/jsonlines" in wanted:
        return "".join(json.dumps(result) + "\n" for result in results), "application/jsonlines"
    if "application/json" in wanted or "*/*" in wanted or "application/*" in wanted:
        return json.dumps({"predictions": results}), "application/json"
    raise ClientError(406, "this model answers application/json or application/jsonlines, not %s" % accept)


def _record(line, number):
    try:
        item = json.loads(line)
    except ValueError as error:
        raise ClientError(400, "line %d is not JSON: %s" % (number, error))
    return _checked(item, number)


def _checked(item, number):
    if not isinstance(item, dict) or not isinstance(item.get("features"), list):
        raise ClientError(400, 'record %d: expected {"features": [numbers...]}' % number)
    return item
