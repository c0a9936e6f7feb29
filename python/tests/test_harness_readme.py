"""The "Testing your script" examples of README.md and man/hookhost.1 run as printed, against examples/mlp."""
import os
import re
import shutil
import subprocess
import sys

import pytest

PYTHON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO = os.path.dirname(PYTHON_DIR)
README = os.path.join(REPO, "README.md")
EXAMPLE = os.path.join(REPO, "examples", "mlp")


def section():
    if not os.path.exists(README) or not os.path.isdir(EXAMPLE):
        pytest.skip("README.md and examples/ are not beside python/")
    with open(README) as handle:
        text = handle.read()
    match = re.search(r"^## Testing your script\n(.*?)^## ", text, re.S | re.M)
    assert match, "README.md has no 'Testing your script' section"
    return match.group(1)


def blocks(text, language):
    return re.findall(r"```%s\n(.*?)```" % language, text, re.S)


def environment():
    env = dict(os.environ)
    env["PYTHONPATH"] = PYTHON_DIR + os.pathsep + env.get("PYTHONPATH", "")
    return env


def test_the_example_test_suite_passes(tmp_path):
    conftest, tests = blocks(section(), "python")
    assert conftest.startswith("# tests/conftest.py") and tests.startswith("# tests/test_inference.py")
    shutil.copytree(os.path.join(EXAMPLE, "code"), tmp_path / "code")
    shutil.copytree(os.path.join(EXAMPLE, "model"), tmp_path / "model")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "conftest.py").write_text(conftest)
    (tmp_path / "tests" / "test_inference.py").write_text(tests)
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
                          cwd=str(tmp_path), env=environment(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "5 passed" in done.stdout, done.stdout


def test_the_invoke_command_works():
    command = [block for block in blocks(section(), "sh") if "hookhost.invoke" in block][0]
    done = subprocess.run(["sh", "-c", command.replace("python3 ", sys.executable + " ", 1)], cwd=REPO,
                          env=environment(), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("[[") and "Content-Type: application/json" in done.stderr


def test_the_man_page_example_passes(tmp_path):
    page = os.path.join(REPO, "man", "hookhost.1")
    if not os.path.exists(page) or not os.path.isdir(EXAMPLE):
        pytest.skip("man/ and examples/ are not beside python/")
    with open(page) as handle:
        source = handle.read()
    match = re.search(r"^(# tests/conftest\.py\n.*?)^\.Ed$", source, re.S | re.M)
    assert match, "man/hookhost.1 EXAMPLES has no test suite"
    text = match.group(1).replace("\\e", "\\").replace("\\&", "")
    conftest, tests = text.split("# tests/test_inference.py\n")
    shutil.copytree(os.path.join(EXAMPLE, "code"), tmp_path / "code")
    shutil.copytree(os.path.join(EXAMPLE, "model"), tmp_path / "model")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "conftest.py").write_text(conftest)
    (tmp_path / "tests" / "test_inference.py").write_text(tests)
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
                          cwd=str(tmp_path), env=environment(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "4 passed" in done.stdout, done.stdout
