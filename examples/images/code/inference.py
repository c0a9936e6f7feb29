"""Images in, a label out: custom input_fn and output_fn around a small NumPy model.

The client posts a PNG (or any image Pillow reads) as the raw request body:

    curl -s localhost:8080/invocations -H 'Content-Type: image/png' \
         --data-binary @picture.png
    {"label": "bright", "probabilities": {"dark": 0.01, "bright": 0.98, "stripes": 0.01}}

input_fn turns the bytes into a 16x16 grayscale float32 array in [0, 1];
predict_fn is hookhost's default (it calls model(data)); output_fn writes a
JSON object with the best label and every class's probability.

Errors a client can cause are answered with their own status: a content type
that is not an image gets 415, bytes Pillow cannot read get 400, an Accept
this script cannot write gets 406.  hookhost.errors has the classes (and
hookhost.negotiation the server's Accept rules); any
exception with an integer ``status_code`` between 400 and 599 does the same,
so the script also runs on stacks without hookhost.
"""
import collections
import io
import json
import os

import numpy as np
from PIL import Image, UnidentifiedImageError

from hookhost import negotiation
from hookhost.errors import BadRequest, UnsupportedMediaType

SIZE = 16            # the model's input is SIZE x SIZE pixels
MAX_PIXELS = 4096 * 4096


# What the model returns: the default predict_fn passes a namedtuple through, so
# output_fn gets the labels along with the numbers.
Scores = collections.namedtuple("Scores", "labels probabilities")


class CentroidClassifier(object):
    """Nearest centroid with a softmax over negative squared distances."""

    def __init__(self, labels, centroids, temperature):
        self.labels = list(labels)
        self.centroids = centroids.astype(np.float32)      # (classes, SIZE * SIZE)
        self.temperature = np.float32(temperature)

    def __call__(self, images):
        flat = images.reshape(images.shape[0], -1)          # (batch, SIZE * SIZE)
        distance = ((flat[:, None, :] - self.centroids[None, :, :]) ** 2).mean(axis=2)
        logits = -distance / self.temperature
        logits -= logits.max(axis=1, keepdims=True)
        odds = np.exp(logits)
        return Scores(self.labels, odds / odds.sum(axis=1, keepdims=True))


def model_fn(model_dir):
    with np.load(os.path.join(model_dir, "centroids.npz")) as saved:
        labels = [str(label) for label in saved["labels"]]
        return CentroidClassifier(labels, saved["centroids"], float(saved["temperature"]))


def input_fn(body, content_type):
    media = content_type.split(";")[0].strip().lower()
    if not media.startswith("image/"):
        raise UnsupportedMediaType("send an image (image/png, image/jpeg, ...), not %s" % content_type)
    # Pillow's own limit warns; a body is untrusted, so refuse huge images outright.
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with Image.open(io.BytesIO(body)) as image:
            if image.width * image.height > MAX_PIXELS:
                raise BadRequest("image is %dx%d, more than %d pixels" % (image.width, image.height, MAX_PIXELS))
            gray = image.convert("L").resize((SIZE, SIZE), Image.BILINEAR)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as error:
        raise BadRequest("cannot read the body as an image: %s" % error)
    pixels = np.asarray(gray, dtype=np.float32) / np.float32(255.0)
    return pixels[None, :, :]                                # a batch of one


def output_fn(prediction, accept):
    # The server's own Accept rules (q-values, wildcards); raises NotAcceptable (406).
    negotiation.negotiate(accept, supported=("application/json",), default="application/json")
    probabilities = prediction.probabilities[0]
    best = int(np.argmax(probabilities))
    answer = {
        "label": prediction.labels[best],
        "probabilities": {label: round(float(p), 6) for label, p in zip(prediction.labels, probabilities)},
    }
    return json.dumps(answer), "application/json"
