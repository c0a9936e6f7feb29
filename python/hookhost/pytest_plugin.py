"""pytest plugin: the ``hookhost_harness`` fixture.

Enable it in your ``conftest.py`` (hookhost is not installed with pip, so
there is no automatic entry point)::

    pytest_plugins = ["hookhost.pytest_plugin"]

``hookhost_harness(script, model_dir, env=None)`` returns a
hookhost.testing.Harness for the script (its model_fn already called) and
closes it when the test ends::

    def test_csv_round_trip(hookhost_harness):
        harness = hookhost_harness("code/inference.py", "model")
        result = harness.invoke(b"1,2,3\\n", content_type="text/csv", accept="text/csv")
        assert result.status == 200

Relative paths are taken from the directory pytest was started in (its
rootdir-independent working directory), like any path in a test.
"""

import pytest

from hookhost.testing import Harness


@pytest.fixture
def hookhost_harness():
    """A factory: hookhost_harness(script, model_dir, env=None) -> hookhost.testing.Harness."""
    made = []

    def make(script, model_dir, env=None):
        harness = Harness(script, model_dir, env=env)
        made.append(harness)
        return harness

    yield make
    for harness in made:
        harness.close()
