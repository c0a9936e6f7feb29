"""The sibling module sibling_import.py imports."""
MAGIC = "sibling-magic-4711"


def make_model():
    return lambda data: "%s:%s" % (MAGIC, data)
