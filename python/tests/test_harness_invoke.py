"""python3 -m hookhost.invoke: one request from the shell."""
import os
import subprocess
import sys
import textwrap

import pytest

PYTHON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SCRIPT = """
    print("loading the model")                     # must not end up in the body on stdout

    def model_fn(model_dir):
        return lambda data: data * 2

    def output_fn(prediction, accept):
        print("encoding")
        if accept == "application/x-teapot":
            from hookhost import HTTPError
            raise HTTPError(418, "short and stout")
        from hookhost import encoders
        return encoders.encode(prediction, accept), accept
"""


def run(args, body=b"", cwd=None):
    env = dict(os.environ)
    env["PYTHONPATH"] = PYTHON_DIR + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run([sys.executable, "-m", "hookhost.invoke"] + args, input=body, capture_output=True,
                          env=env, cwd=cwd, timeout=120)


@pytest.fixture
def script(tmp_path):
    path = tmp_path / "code" / "inference.py"
    path.parent.mkdir()
    path.write_text(textwrap.dedent(SCRIPT))
    (tmp_path / "model").mkdir()
    return path


def test_success_prints_body_on_stdout_and_head_on_stderr(script, tmp_path):
    done = run([str(script), "--model-dir", str(tmp_path / "model"), "--content-type", "text/csv",
                "--accept", "application/json"], b"1,2\n3,4\n")
    assert done.returncode == 0, done.stderr
    assert done.stdout == b"[[2.0, 4.0], [6.0, 8.0]]"
    err = done.stderr.decode()
    assert "HTTP/1.1 200 OK\n" in err
    assert "Content-Type: application/json\n" in err
    assert "Content-Length: 24\n" in err
    assert "loading the model" in err and "encoding" in err


def test_error_answer_exits_1(script, tmp_path):
    done = run([str(script), "--model-dir", str(tmp_path / "model"), "--accept", "application/x-teapot"], b"[1]")
    assert done.returncode == 1
    assert done.stdout == b'{"error":"HTTPError","error-message":"short and stout"}'
    assert "HTTP/1.1 418 I'm a Teapot" in done.stderr.decode()


def test_bad_body_is_400(script, tmp_path):
    done = run([str(script), "--model-dir", str(tmp_path / "model")], b"[1,")
    assert done.returncode == 1
    assert b'"error":"BadRequest"' in done.stdout
    assert "HTTP/1.1 400 Bad Request" in done.stderr.decode()


def test_body_from_file_and_env(script, tmp_path):
    body = tmp_path / "body.json"
    body.write_bytes(b"[[1, 2]]")
    done = run([str(script), "--model-dir", str(tmp_path / "model"), "--body", str(body),
                "--env", "SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT=text/csv"])
    assert done.returncode == 0, done.stderr
    assert done.stdout == b"2.0,4.0\n"
    assert "Content-Type: text/csv\n" in done.stderr.decode()


def test_relative_paths(script, tmp_path):
    done = run(["code/inference.py", "--model-dir", "model"], b"[3]", cwd=str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert done.stdout == b"[6.0]"


def test_load_failure_exits_1_with_traceback(tmp_path):
    broken = tmp_path / "broken.py"
    broken.write_text("def model_fn(model_dir):\n    raise RuntimeError('the weights are missing')\n")
    done = run([str(broken), "--model-dir", str(tmp_path)], b"[1]")
    assert done.returncode == 1
    assert done.stdout == b""
    err = done.stderr.decode()
    assert "Traceback (most recent call last)" in err
    assert "cannot load %s: RuntimeError: the weights are missing" % broken in err


def test_script_error_exits_1(tmp_path):
    broken = tmp_path / "inference.py"
    broken.write_text("def predict_fn(data, model):\n    return data\n")
    done = run([str(broken), "--model-dir", str(tmp_path)], b"[1]")
    assert done.returncode == 1
    assert "ScriptError: inference.py does not define model_fn(model_dir)" in done.stderr.decode()


def test_usage_errors_exit_2(script):
    assert run([str(script)]).returncode == 2                               # --model-dir is required
    assert run([str(script), "--model-dir", ".", "--env", "NOEQUALS"]).returncode == 2
