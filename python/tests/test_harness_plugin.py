"""The hookhost_harness pytest fixture, as a user's test suite enables it (a subprocess pytest run)."""
import os
import subprocess
import sys
import textwrap

PYTHON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

CONFTEST = 'pytest_plugins = ["hookhost.pytest_plugin"]\n'

SCRIPT = """
    import numpy

    def model_fn(model_dir):
        with open(model_dir + "/scale.txt") as handle:
            scale = float(handle.read())
        return lambda data: numpy.asarray(data) * scale
"""

TESTS = """
    import sys

    import pytest

    from hookhost.testing import LoadError


    def test_round_trip(hookhost_harness):
        harness = hookhost_harness("code/inference.py", "model")
        result = harness.invoke(b"[[1.0, 2.0]]", content_type="application/json", accept="text/csv")
        assert result.status == 200
        assert result.headers["Content-Type"] == "text/csv; charset=utf-8"
        assert result.body == b"3.0,6.0\\n"


    def test_env_and_errors(hookhost_harness):
        harness = hookhost_harness("code/inference.py", "model",
                                   env={"SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT": "application/x-npy"})
        assert harness.invoke(b"[1]").array().tolist() == [3.0]
        assert harness.invoke(b"[1,").status == 400


    def test_load_error(hookhost_harness, tmp_path):
        with pytest.raises(LoadError):
            hookhost_harness(tmp_path / "missing.py", "model")


    def test_closed_after_the_test():
        assert "inference" not in sys.modules, "the fixture left the script imported"


    def test_fails_on_purpose(hookhost_harness):
        assert hookhost_harness("code/inference.py", "model").invoke(b"[1]").json() == [4.0]
"""


def test_fixture_in_a_user_suite(tmp_path):
    (tmp_path / "conftest.py").write_text(CONFTEST)
    (tmp_path / "code").mkdir()
    (tmp_path / "code" / "inference.py").write_text(textwrap.dedent(SCRIPT))
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "scale.txt").write_text("3")
    (tmp_path / "test_script.py").write_text(textwrap.dedent(TESTS))
    env = dict(os.environ)
    env["PYTHONPATH"] = PYTHON_DIR + os.pathsep + env.get("PYTHONPATH", "")
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "test_script.py"], cwd=str(tmp_path), env=env, capture_output=True, text=True,
                          timeout=300)
    output = done.stdout + done.stderr
    assert "1 failed, 4 passed" in output, output
    assert "FAILED test_script.py::test_fails_on_purpose - assert [3.0] == [4.0]" in output, output
