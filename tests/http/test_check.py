"""`hookhost check`: the script and model loaded as a worker loads them, a report, an exit status."""
import subprocess
import tarfile

import pytest

from conftest import base_env, hookhost_bin, script_text

CHECK_TIMEOUT = 60

DOUBLING = """
def model_fn(model_dir):
    with open(model_dir + "/factor.txt") as handle:
        factor = float(handle.read())
    return lambda data: data * factor


def predict_fn(data, model):
    print("predicting")
    return model(data)


def execution_parameters_fn():
    return {"MaxConcurrentTransforms": 1}
"""


def check(tmp_path, script=None, script_file=None, args=(), env=None, stdin=None, model_files=None, files=None,
          flags=True):
    code = tmp_path / "code"
    model = tmp_path / "model"
    code.mkdir(exist_ok=True)
    model.mkdir(exist_ok=True)
    if script_file is not None:
        script = script_text(script_file)
    if script is not None:
        (code / "inference.py").write_text(script)
    for tree, extra in ((code, files), (model, model_files)):
        for name, content in (extra or {}).items():
            (tree / name).write_bytes(content if isinstance(content, bytes) else content.encode())
    environment = base_env()
    environment.update(env or {})
    argv = [hookhost_bin(), "check"]
    if flags:
        argv += ["--code-dir", str(code), "--model-dir", str(model), "--program", "inference.py"]
    done = subprocess.run(argv + list(args), env=environment, input=stdin, capture_output=True,
                          timeout=CHECK_TIMEOUT, cwd=str(tmp_path))
    return done.returncode, done.stdout.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace")


def hook_lines(stdout):
    report = {}
    for line in stdout.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0].endswith("_fn"):
            report[parts[0]] = parts[1]
    return report


def test_reports_user_and_default_hooks(tmp_path):
    rc, out, err = check(tmp_path, DOUBLING, model_files={"factor.txt": "2"})
    assert rc == 0, err
    assert hook_lines(out) == {"model_fn": "user", "input_fn": "default", "predict_fn": "user",
                               "output_fn": "default", "transform_fn": "none", "execution_parameters_fn": "user"}
    assert "inference.py in %s" % (tmp_path / "code") in out
    assert out.rstrip().endswith("hookhost check: OK")
    assert "importing inference from" in err, "the worker's load log is missing"


def test_transform_only_script(tmp_path):
    rc, out, err = check(tmp_path, script_file="transform_only.py")
    assert rc == 0, err
    report = hook_lines(out)
    assert report["transform_fn"] == "user"
    assert report["input_fn"] == report["predict_fn"] == report["output_fn"] == "none"


def test_sample_request(tmp_path):
    (tmp_path / "sample.csv").write_text("1,2\n3,4\n")
    rc, out, err = check(tmp_path, DOUBLING, model_files={"factor.txt": "3"},
                         args=["--sample", str(tmp_path / "sample.csv"), "--content-type", "text/csv",
                               "--accept", "application/json"])
    assert rc == 0, err
    assert "answer: 200, Content-Type: application/json, 25 bytes\n[[3.0, 6.0], [9.0, 12.0]]\n" in out
    assert "predicting" in err, "user print() output should be logged as the worker logs it"


def test_sample_from_stdin_with_defaults(tmp_path):
    rc, out, err = check(tmp_path, DOUBLING, model_files={"factor.txt": "2"}, args=["--sample=-"],
                         env={"SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT": "text/csv"}, stdin=b"[[1, 2]]")
    assert rc == 0, err
    assert "answer: 200, Content-Type: text/csv; charset=utf-8, 8 bytes\n2.0,4.0\n" in out


def test_sample_binary_answer(tmp_path):
    rc, out, err = check(tmp_path, DOUBLING, model_files={"factor.txt": "2"}, args=["--sample", "-", "--accept",
                                                                                    "application/x-npy"],
                         stdin=b"[1]")
    assert rc == 0, err
    assert "Content-Type: application/x-npy" in out and "(binary body)" in out


@pytest.mark.parametrize("body,content_type,accept,status,needle", [
    (b"[1,", "application/json", None, 400, '"error":"BadRequest"'),
    (b"[1]", "text/plain", None, 415, '"error":"UnsupportedMediaType"'),
    (b"[1]", "application/json", "text/html", 406, '"error":"NotAcceptable"'),
])
def test_sample_error_exits_4(tmp_path, body, content_type, accept, status, needle):
    args = ["--sample", "-", "--content-type", content_type] + (["--accept", accept] if accept else [])
    rc, out, err = check(tmp_path, DOUBLING, model_files={"factor.txt": "2"}, args=args, stdin=body)
    assert rc == 4, (out, err)
    assert "answer: %d, Content-Type: application/json" % status in out
    assert needle in out
    assert "FAILED: the sample request was answered %d" % status in err


def test_sample_user_exception_exits_4_and_logs_the_traceback(tmp_path):
    rc, out, err = check(tmp_path, script_file="predict_raises.py", args=["--sample", "-", "--content-type",
                                                                          "text/plain"], stdin=b"boom")
    assert rc == 4
    assert '{"error":"ValueError","error-message":"boom happened in predict_fn"}' in out
    assert "Traceback (most recent call last)" in err


def test_sample_with_tracebacks_on(tmp_path):
    rc, out, err = check(tmp_path, script_file="predict_raises.py", env={"HOOKHOST_ERROR_TRACEBACKS": "1"},
                         args=["--sample", "-", "--content-type", "text/plain"], stdin=b"boom")
    assert rc == 4
    assert '"stack-trace":"Traceback (most recent call last):' in out


def test_import_error_exits_1_with_traceback(tmp_path):
    rc, out, err = check(tmp_path, "import numpy\nimport no_such_module_for_hookhost_check\n")
    assert rc == 1
    assert "Traceback (most recent call last)" in err
    assert "FAILED: cannot load the model of inference.py: ModuleNotFoundError: " \
           "No module named 'no_such_module_for_hookhost_check'" in err
    assert "hookhost check: OK" not in out


def test_model_fn_exception_exits_1(tmp_path):
    rc, out, err = check(tmp_path, DOUBLING)                     # no factor.txt in the model dir
    assert rc == 1
    assert "FileNotFoundError" in err and "factor.txt" in err
    assert "in model_fn" in err


def test_missing_model_fn_exits_3(tmp_path):
    rc, out, err = check(tmp_path, script_file="no_model_fn.py")
    assert rc == 3
    assert "FAILED: cannot serve inference.py: ScriptError: inference.py does not define model_fn(model_dir)" in err


@pytest.mark.parametrize("other", ["input_fn", "predict_fn", "output_fn"])
def test_mixed_transform_fn_exits_3(tmp_path, other):
    rc, out, err = check(tmp_path, script_file="transform_mixed_%s.py" % other)
    assert rc == 3
    assert "ScriptError: cannot use transform_fn with input_fn, predict_fn and/or output_fn" in err
    assert "and %s" % other in err


def test_missing_program_exits_1(tmp_path):
    rc, out, err = check(tmp_path, None)
    assert rc == 1
    assert "no such file in the code directory" in err


@pytest.mark.parametrize("args,needle", [
    (["--workers", "zero"], "--workers"),
    (["--no-such-flag"], "no-such-flag"),
    (["--sample"], "--sample needs a value"),
    (["--accept", "text/csv"], "give --sample FILE too"),
])
def test_bad_command_line_exits_2(tmp_path, args, needle):
    rc, out, err = check(tmp_path, DOUBLING, model_files={"factor.txt": "2"}, args=args)
    assert rc == 2, (out, err)
    assert needle in err


def test_missing_sample_file_exits_2(tmp_path):
    rc, out, err = check(tmp_path, DOUBLING, model_files={"factor.txt": "2"},
                         args=["--sample", str(tmp_path / "absent.json")])
    assert rc == 2
    assert "cannot open the sample" in err


def test_sample_over_the_payload_limit_exits_4(tmp_path):
    (tmp_path / "big.json").write_bytes(b"[" + b"1," * 600000 + b"1]")
    rc, out, err = check(tmp_path, DOUBLING, model_files={"factor.txt": "2"},
                         args=["--sample", str(tmp_path / "big.json")], env={"SAGEMAKER_MAX_PAYLOAD_IN_MB": "1"})
    assert rc == 4
    assert "413" in err


def test_environment_only_and_code_archive(tmp_path):
    """No flags: SAGEMAKER_* variables, and a .tar.gz submit directory unpacked by start-up."""
    source = tmp_path / "source"
    source.mkdir()
    (source / "inference.py").write_text(DOUBLING)
    archive = tmp_path / "sourcedir.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(source / "inference.py", arcname="inference.py")
    base = tmp_path / "ml"
    (base / "model").mkdir(parents=True)
    (base / "code").mkdir()
    (base / "model" / "factor.txt").write_text("5")
    rc, out, err = check(tmp_path, None, flags=False, args=["--sample", "-"], stdin=b"[1]", env={
        "SAGEMAKER_BASE_DIR": str(base), "SAGEMAKER_PROGRAM": "inference.py",
        "SAGEMAKER_SUBMIT_DIRECTORY": str(archive)})
    assert rc == 0, err
    assert "[5.0]" in out
    assert (base / "code" / "inference.py").exists()


def test_help():
    done = subprocess.run([hookhost_bin(), "check", "--help"], capture_output=True, text=True, timeout=10)
    assert done.returncode == 0
    assert done.stdout.startswith("usage: hookhost check [serve flags] [--sample FILE")
    assert "Exit status" in done.stdout
