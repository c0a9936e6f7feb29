"""Start-up (CONTRACT.md section 1 as far as routes and hooks depend on it): CLI, code archives,
requirements.txt, configuration errors, /ping 503 while loading."""
import os
import re
import subprocess
import tarfile
import time

import pytest

from conftest import (PYTHON, add_tar_member, build_wheel, hookhost_bin, http_request, script_text,
                      wait_until)


def run_cli(*args, timeout=10):
    return subprocess.run([hookhost_bin(), *args], capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


def refused(server, timeout=20):
    """Waits for a refused start; returns its whole output (stdout + stderr)."""
    rc = server.wait_exit(timeout)
    output = server.output()
    assert rc != 0, "hookhost started (status %s) when it should have refused:\n%s" % (rc, output[-3000:])
    return output


# ----------------------------------------------------------------------------- CLI

def test_help_lists_flags_and_variables():
    result = run_cli("--help")
    assert result.returncode == 0
    text = result.stdout + result.stderr
    for word in ("serve", "--bind", "--workers", "--timeout", "--model-dir", "--code-dir", "--program",
                 "--log-level", "SAGEMAKER_PROGRAM", "SAGEMAKER_MODEL_SERVER_WORKERS",
                 "SAGEMAKER_MODEL_SERVER_TIMEOUT", "SAGEMAKER_BIND_TO_PORT"):
        assert word in text, "--help does not mention %s" % word


def test_serve_help():
    result = run_cli("serve", "--help")
    assert result.returncode == 0
    assert "--bind" in result.stdout


def test_version():
    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("hookhost ")
    assert any(ch.isdigit() for ch in result.stdout)


def test_unknown_command_is_an_error():
    result = run_cli("frobnicate")
    assert result.returncode != 0
    assert result.stderr


def test_unknown_flag_is_an_error(server_factory):
    server = server_factory(script_file="exec_params.py", start=False, extra_args=["--no-such-flag"])
    server.start(wait_status=None)
    assert "--no-such-flag" in refused(server)


# ----------------------------------------------------------------------------- SAGEMAKER_PROGRAM

def test_program_unset_is_refused_naming_variable_and_directory(server_factory):
    server = server_factory(script_file="exec_params.py", program=None, wait_status=None)
    output = refused(server)
    assert "SAGEMAKER_PROGRAM" in output, output[-3000:]


def test_program_not_found_is_refused_naming_variable_and_directory(server_factory):
    server = server_factory(script_file="exec_params.py", program=None, wait_status=None,
                            env={"SAGEMAKER_PROGRAM": "not_there.py"})
    output = refused(server)
    assert "SAGEMAKER_PROGRAM" in output, output[-3000:]
    assert "not_there" in output, output[-3000:]
    assert os.path.realpath(str(server.code_dir)) in output or str(server.code_dir) in output, output[-3000:]


def test_program_unset_names_the_directory(server_factory):
    server = server_factory(script_file="exec_params.py", program=None, wait_status=None)
    output = refused(server)
    assert os.path.realpath(str(server.code_dir)) in output or str(server.code_dir) in output, output[-3000:]


def test_program_from_environment(server_factory):
    server = server_factory(script_file="transform_only.py", program=None, start=False,
                            env={"SAGEMAKER_PROGRAM": "serve_me.py"})
    os.rename(server.code_dir / "inference.py", server.code_dir / "serve_me.py")
    server.start()
    assert server.invoke(b"[1]").status == 200


def test_user_module_import_error_is_reported(server_factory):
    server = server_factory(script="import no_such_module_hh\n\ndef model_fn(d):\n    return 1\n", wait_status=None)

    def settled():
        if server.proc.poll() is not None:
            return "exit"
        try:
            return "ping" if server.request("GET", "/ping", timeout=2).status == 500 else None
        except OSError:
            return None

    how = wait_until(settled, 20, "a refused start or /ping 500")
    if how == "exit":
        server.exit_checked = True
        assert server.proc.returncode != 0
    else:
        body = server.request("GET", "/ping").json()
        assert "no_such_module_hh" in body["error-message"], body
    assert "no_such_module_hh" in server.output()


# ----------------------------------------------------------------------------- bad variables

@pytest.mark.parametrize("variable,value", [
    ("SAGEMAKER_MODEL_SERVER_WORKERS", "abc"),
    ("SAGEMAKER_MODEL_SERVER_WORKERS", "0"),
    ("SAGEMAKER_MODEL_SERVER_WORKERS", "-2"),
    ("SAGEMAKER_MODEL_SERVER_TIMEOUT", "soon"),
    ("SAGEMAKER_MAX_PAYLOAD_IN_MB", "12x"),
    ("SAGEMAKER_CONTAINER_LOG_LEVEL", "LOUD"),
    ("SAGEMAKER_BIND_TO_PORT", "eighty"),
])
def test_bad_variable_is_refused_naming_it(server_factory, variable, value):
    server = server_factory(script_file="exec_params.py", workers=None, timeout=None, log_level=None,
                            bind=(variable != "SAGEMAKER_BIND_TO_PORT"), wait_status=None, env={variable: value})
    output = refused(server)
    assert variable in output, output[-3000:]


@pytest.mark.parametrize("flag,value", [("--workers", "abc"), ("--timeout", "x"), ("--log-level", "LOUD"),
                                        ("--bind", "127.0.0.1:notaport")])
def test_bad_flag_value_is_refused(server_factory, flag, value):
    server = server_factory(script_file="exec_params.py", workers=None, log_level=None,
                            bind=(flag != "--bind"), start=False, extra_args=[flag, value])
    server.start(wait_status=None)
    output = refused(server)
    assert flag in output or value in output, output[-3000:]


def test_accepted_and_ignored_variables(server_factory):
    server = server_factory(script_file="exec_params.py", env={
        "SAGEMAKER_SAFE_PORT_RANGE": "1000-2000", "SAGEMAKER_REGION": "eu-west-1",
        "SAGEMAKER_ENABLE_CLOUDWATCH_METRICS": "false", "SAGEMAKER_BATCH": "true",
        "SAGEMAKER_CONTAINER_LOG_LEVEL": "20"})
    assert server.request("GET", "/ping").status == 200


def test_configuration_from_environment_only(server_factory, tmp_path):
    """SAGEMAKER_BASE_DIR/model and /code, SAGEMAKER_PROGRAM, workers and payload limit from the environment;
    a flag overrides its variable."""
    base = tmp_path / "ml"
    (base / "code").mkdir(parents=True)
    (base / "model").mkdir()
    (base / "code" / "probe.py").write_text(script_text("all_hooks.py"))
    server = server_factory(flags=False, workers=None, code_dir=base / "code", model_dir=base / "model",
                            program=None, extra_args=["--workers", "1"],
                            env={"SAGEMAKER_BASE_DIR": str(base), "SAGEMAKER_PROGRAM": "probe.py",
                                 "SAGEMAKER_MODEL_SERVER_WORKERS": "3", "SAGEMAKER_MAX_PAYLOAD_IN_MB": "9"})
    answer = server.invoke(b"[1]", accept="application/x-env").json()
    assert os.path.realpath(answer["model_dir"]) == os.path.realpath(str(base / "model"))
    params = server.request("GET", "/execution-parameters").json()
    assert params["MaxConcurrentTransforms"] == 1, "--workers 1 must override SAGEMAKER_MODEL_SERVER_WORKERS=3"
    assert params["MaxPayloadInMB"] == 9


def test_workers_from_environment(server_factory):
    server = server_factory(script_file="record_pid.py", workers=None,
                            env={"SAGEMAKER_MODEL_SERVER_WORKERS": "2"})
    assert server.request("GET", "/execution-parameters").json()["MaxConcurrentTransforms"] == 2
    pid_file = server.model_dir / "model_fn_pids.txt"
    wait_until(lambda: pid_file.exists() and len(pid_file.read_text().split()) == 2, 20, "two workers")


# ----------------------------------------------------------------------------- /ping while loading

def test_ping_503_while_loading_then_200(server_factory):
    server = server_factory(script_file="slow_load.py", model_files={"delay.txt": "2.0"}, wait_status=None)
    seen = []

    def ready():
        assert server.proc.poll() is None, server.log()[-3000:]
        try:
            reply = http_request(server.port, "GET", "/ping", timeout=2)
        except OSError:
            return False
        seen.append(reply.status)
        if reply.status == 503:
            assert reply.content_type.split(";")[0] == "application/json"
        return reply.status == 200

    wait_until(ready, 20, "/ping 200 after a slow model_fn")
    assert 503 in seen, "never saw 503 while model_fn was loading: %r" % seen
    assert set(seen) <= {503, 200}, seen
    assert server.invoke(b"x").text.startswith("loaded ")


# ----------------------------------------------------------------------------- code archives

def make_code_tar(path, mode, members):
    with tarfile.open(path, mode) as tar:
        for member in members:
            add_tar_member(tar, *member)
    return path


def good_members():
    return [("inference.py", script_text("sibling_import.py").encode()),
            ("sibling_helper.py", script_text("sibling_helper.py").encode()),
            ("helpers_pkg", b"", tarfile.DIRTYPE),
            ("helpers_pkg/__init__.py", b""),
            ("helpers_pkg/inner.py", script_text("helpers_pkg/inner.py").encode())]


@pytest.mark.parametrize("suffix,mode", [(".tar.gz", "w:gz"), (".tgz", "w:gz"), (".tar", "w")])
def test_code_from_archive(server_factory, tmp_path, suffix, mode):
    archive = make_code_tar(tmp_path / ("sourcedir" + suffix), mode, good_members())
    code_dir = tmp_path / "extracted"
    server = server_factory(code_dir=code_dir, env={"SAGEMAKER_SUBMIT_DIRECTORY": str(archive)})
    assert (code_dir / "inference.py").is_file()
    assert (code_dir / "helpers_pkg" / "inner.py").is_file()
    reply = server.invoke(b"tar", content_type="text/plain")
    assert reply.status == 200, reply
    assert reply.text.startswith("sibling-magic-4711:b'tar'|")
    assert reply.text.endswith("|inner-value-99")


def test_code_from_directory_used_in_place(server_factory, tmp_path):
    source = tmp_path / "submitted"
    source.mkdir()
    (source / "inference.py").write_text(script_text("transform_only.py"))
    server = server_factory(code_dir=tmp_path / "unused-code", env={"SAGEMAKER_SUBMIT_DIRECTORY": str(source)})
    assert server.invoke(b"[1]").status == 200
    assert (source / "inference.py").is_file(), "the submitted directory was moved"


@pytest.mark.parametrize("evil", ["parent", "absolute", "symlink_out", "nested_parent"])
def test_archive_member_escaping_is_refused(server_factory, tmp_path, evil):
    outside = tmp_path / ("outside-%s" % evil)
    members = good_members()
    if evil == "parent":
        name = "../outside-%s" % evil
        members.append((name, b"pwned"))
    elif evil == "nested_parent":
        name = "helpers_pkg/../../outside-%s" % evil
        members.append((name, b"pwned"))
    elif evil == "absolute":
        name = str(outside)
        members.append((name, b"pwned"))
    else:
        name = "escape_link"
        members.append((name, b"", tarfile.SYMTYPE, str(tmp_path)))
    archive = make_code_tar(tmp_path / "evil.tar.gz", "w:gz", members)
    with tarfile.open(archive) as check:
        assert name in check.getnames()       # the archive really holds the hostile name
    code_dir = tmp_path / "code-under-test"
    server = server_factory(code_dir=code_dir, wait_status=None, env={"SAGEMAKER_SUBMIT_DIRECTORY": str(archive)})
    output = refused(server)
    assert not outside.exists(), "an archive member escaped the code dir"
    assert not (code_dir / "escape_link").is_symlink()
    assert "SAGEMAKER_SUBMIT_DIRECTORY" in output or os.path.basename(name) in output, output[-3000:]
    assert os.path.basename(name) in output, "the refused member is not named:\n" + output[-3000:]


def test_corrupt_archive_is_refused(server_factory, tmp_path):
    archive = tmp_path / "broken.tar.gz"
    archive.write_bytes(b"\x1f\x8b\x08\x00 this is not gzip data at all")
    server = server_factory(code_dir=tmp_path / "c", wait_status=None,
                            env={"SAGEMAKER_SUBMIT_DIRECTORY": str(archive)})
    assert "broken.tar.gz" in refused(server)


def test_s3_submit_directory_is_a_clear_error(server_factory):
    server = server_factory(script_file="exec_params.py", wait_status=None,
                            env={"SAGEMAKER_SUBMIT_DIRECTORY": "s3://my-bucket/prefix/sourcedir.tar.gz"})
    output = refused(server)
    assert "s3://my-bucket/prefix/sourcedir.tar.gz" in output, output[-3000:]
    assert re.search(r"support", output, re.I), "the s3:// refusal does not say it is unsupported:\n" + output[-3000:]


def test_missing_submit_directory_is_refused(server_factory, tmp_path):
    server = server_factory(script_file="exec_params.py", wait_status=None,
                            env={"SAGEMAKER_SUBMIT_DIRECTORY": str(tmp_path / "nowhere")})
    assert str(tmp_path / "nowhere") in refused(server)


# ----------------------------------------------------------------------------- requirements.txt

@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory):
    directory = tmp_path_factory.mktemp("wheelhouse")
    build_wheel(directory, "hh_tinypkg", "1.0", "MAGIC = 'tiny-package-magic-31337'\n")
    return directory


def test_requirements_installed_once_before_workers(server_factory, wheelhouse):
    server = server_factory(script_file="requirements_user.py", workers=2,
                            files={"requirements.txt": "hh_tinypkg==1.0\n"},
                            env={"HOOKHOST_PIP_ARGS": "--no-index --find-links %s" % wheelhouse})
    reply = server.invoke(b"x", content_type="text/plain")
    assert reply.status == 200, reply
    assert reply.text.split("|")[0] == "tiny-package-magic-31337"
    imports = server.model_dir / "imports.txt"
    wait_until(lambda: imports.exists() and len(imports.read_text().splitlines()) == 2, 20, "both workers")
    lines = [line.split(" ", 1) for line in imports.read_text().splitlines()]
    assert len({pid for pid, _ in lines}) == 2
    installed_at = {path for _, path in lines}
    assert len(installed_at) == 1, "the workers imported different copies: %r" % installed_at
    path = installed_at.pop()
    assert path == reply.text.split("|")[1]
    assert not path.startswith("/usr/"), "installed into the system interpreter: %s" % path
    assert not path.startswith(str(server.code_dir)), "installed into the code dir: %s" % path
    # the system interpreter stays clean
    check = subprocess.run([PYTHON, "-c", "import hh_tinypkg"], capture_output=True, timeout=30,
                           env={"PATH": os.environ.get("PATH", "/usr/bin")})
    assert check.returncode != 0
    # pip ran once, in the master's start-up, before any worker: when pip's output is in the log, its
    # summary line appears once and before the first worker line.
    log = server.log()
    if "Successfully installed" in log:
        assert log.count("Successfully installed") == 1, log[-3000:]
        first_worker = log.find("[worker-")
        assert first_worker < 0 or log.find("Successfully installed") < first_worker, log[-3000:]


def test_requirements_failure_refuses_to_start(server_factory, wheelhouse):
    server = server_factory(script_file="requirements_user.py",
                            files={"requirements.txt": "hh_not_in_the_wheelhouse==9.9\n"},
                            wait_status=None,
                            env={"HOOKHOST_PIP_ARGS": "--no-index --find-links %s" % wheelhouse})
    output = refused(server, timeout=60)
    assert "hh_not_in_the_wheelhouse" in output or "hh-not-in-the-wheelhouse" in output, output[-3000:]
    assert "[worker-" not in output, "workers started although pip failed"


def test_startup_time_is_reasonable(server_factory):
    started = time.monotonic()
    server = server_factory(script_file="exec_params.py")
    assert server.request("GET", "/ping").status == 200
    assert time.monotonic() - started < 15
