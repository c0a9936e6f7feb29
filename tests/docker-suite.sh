#!/bin/sh
# docker/ without a Docker engine, run by `make check`:
#
#  (a) shellcheck on docker/serve (when shellcheck is installed), and hadolint-style checks of
#      docker/Dockerfile, docker/Dockerfile.framework and docker/kubernetes.yaml written out below;
#  (b) the RUN commands of docker/Dockerfile's build stage, exactly as written (with /src and
#      /out mapped into a scratch directory), on a copy of the source tree filtered by
#      docker/Dockerfile.dockerignore: a full autoreconf, configure, make, make install DESTDIR;
#  (c) the runtime stage by hand: the installed tree plus docker/serve, run as the image's
#      ENTRYPOINT ["serve"] + CMD ["serve"] against an /opt/ml tree under a temp dir
#      (SAGEMAKER_BASE_DIR), holding examples/mlp: /ping through the image's HEALTHCHECK command,
#      one /invocations answer compared byte for byte, SIGTERM -> exit 0.
set -eu

srcdir="${HOOKHOST_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}"
python="${PYTHON:-/usr/bin/python3}"
builddir="$(pwd)"
scratch="$(mktemp -d "${TMPDIR:-/tmp}/hookhost-docker.XXXXXX")"
server_pid=""
started_at="$(date +%s)"

cleanup() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill -KILL "$server_pid" 2>/dev/null || true
    fi
    chmod -R u+w "$scratch" 2>/dev/null || true
    rm -rf "$scratch"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# True while pid $1 runs: an exited background child stays a zombie until `wait`, and kill -0
# succeeds on zombies.
running() {
    state="$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)"
    [ -n "$state" ] && [ "$state" != Z ]
}

step() {
    echo "== $* ($(($(date +%s) - started_at)) s)"
}

# ------------------------------------------------------------------------------------------
step "(a) lint"
if command -v shellcheck >/dev/null 2>&1; then
    shellcheck -s sh "$srcdir/docker/serve" || fail "shellcheck docker/serve"
    shellcheck -s sh "$srcdir/tests/docker-suite.sh" || fail "shellcheck tests/docker-suite.sh"
    echo "ok: shellcheck docker/serve tests/docker-suite.sh"
else
    echo "SKIP: shellcheck is not installed (apt-get install shellcheck)"
fi

# The lint writes what (b) and (c) need: the build stage's commands and the HEALTHCHECK argv.
"$python" - "$srcdir" "$scratch" "${HOOKHOST_BIN:-}" <<'EOF'
import json
import os
import re
import shlex
import shutil
import subprocess
import sys

srcdir, scratch, binary = sys.argv[1:4]
failures = []


def check(condition, message):
    print(("ok: " if condition else "FAIL: ") + message)
    if not condition:
        failures.append(message)


def instructions(path):
    """[(keyword, arguments, line)] with continuations joined and comment lines dropped."""
    result, pending, first = [], "", 0
    with open(path) as dockerfile:
        for number, raw in enumerate(dockerfile, 1):
            line = raw.rstrip("\n")
            if line.lstrip().startswith("#") or (not pending and not line.strip()):
                continue
            if not pending:
                first = number
            if line.endswith("\\"):
                pending += line[:-1] + " "
                continue
            pending += line
            keyword, _, arguments = pending.strip().partition(" ")
            result.append((keyword.upper(), arguments.strip(), first))
            pending = ""
    return result


def stages(parsed):
    """[(from arguments, [instructions])], plus the ARG defaults declared before the first FROM."""
    global_args, result = {}, []
    for keyword, arguments, line in parsed:
        if keyword == "FROM":
            result.append((arguments, []))
        elif not result:
            if keyword == "ARG" and "=" in arguments:
                name, _, value = arguments.partition("=")
                global_args[name] = value
        else:
            result[-1][1].append((keyword, arguments, line))
    return global_args, result


def resolve(text, args):
    return re.sub(r"\$\{?(\w+)\}?", lambda m: args.get(m.group(1), m.group(0)), text)


def lint_common(name, path):
    parsed = instructions(path)
    global_args, parsed_stages = stages(parsed)
    check(bool(parsed_stages), "%s: has a FROM" % name)
    for from_args, _ in parsed_stages:
        image = resolve(from_args.split()[0], global_args)
        tag = image.rsplit("/", 1)[-1]
        pinned = "@sha256:" in image or (":" in tag and tag.split(":", 1)[1] not in ("", "latest"))
        check(pinned and "$" not in image, "%s: FROM %s is pinned (a tag other than latest, or a digest)"
              % (name, image))
    for keyword, arguments, line in parsed:
        where = "%s:%d" % (name, line)
        if keyword == "ADD":
            check(False, "%s: COPY, not ADD (DL3020)" % where)
        if keyword in ("ENTRYPOINT", "CMD"):
            try:
                ok = isinstance(json.loads(arguments), list)
            except ValueError:
                ok = False
            check(ok, "%s: %s in exec (JSON) form, so signals reach the server (DL3025)" % (where, keyword))
        if keyword == "RUN":
            words = arguments.split()
            check("sudo" not in words, "%s: no sudo (DL3004)" % where)
            check(not re.search(r"(^|[;&|]\s*)cd\s", arguments), "%s: WORKDIR, not cd (DL3003)" % where)
            if "apt-get" in arguments:
                check("upgrade" not in words and "dist-upgrade" not in words, "%s: no apt-get upgrade (DL3005)"
                      % where)
            if re.search(r"apt-get\s+(-\S+\s+)*install", arguments):
                check("apt-get update" in arguments, "%s: apt-get update in the same RUN as install (DL3009)"
                      % where)
                check("--no-install-recommends" in arguments, "%s: --no-install-recommends (DL3015)" % where)
                check(re.search(r"install\s+(\S+\s+)*-y\b", arguments) is not None, "%s: apt-get install -y (DL3014)"
                      % where)
                check("rm -rf /var/lib/apt/lists/*" in arguments, "%s: apt lists removed in the same RUN (DL3009)"
                      % where)
        if keyword == "COPY" and not arguments.startswith("--from"):
            sources = [word for word in shlex.split(arguments) if not word.startswith("--")][:-1]
            for source in sources:
                check(os.path.exists(os.path.join(srcdir, source)), "%s: COPY source %s exists" % (where, source))
    return global_args, parsed_stages


def apt_packages(stage_instructions):
    """Package names of the stage's apt-get installs (a `packages="..."` variable included)."""
    names = set()
    for keyword, arguments, _ in stage_instructions:
        if keyword != "RUN" or "apt-get" not in arguments:
            continue
        for quoted in re.findall(r'packages="([^"]*)"', arguments):
            names.update(word for word in quoted.split() if not word.startswith("$"))
        for chunk in re.findall(r"install((?:\s+[-\w.+$]+)+)", arguments):
            names.update(word for word in chunk.split() if not word.startswith(("-", "$")))
    return names


# ---- docker/Dockerfile
path = os.path.join(srcdir, "docker", "Dockerfile")
_, parsed_stages = lint_common("Dockerfile", path)
check(len(parsed_stages) == 2, "Dockerfile: two stages (build, runtime)")
build_from, build = parsed_stages[0]
runtime_from, runtime = parsed_stages[-1]
check(build_from.split()[-1] == "build" and "AS" in build_from.upper().split(), "Dockerfile: first stage is AS build")
check(build_from.split()[0] == runtime_from.split()[0], "Dockerfile: both stages FROM the same pinned Debian")
check(runtime_from.split()[0].startswith("debian:12") and runtime_from.split()[0].endswith("-slim"),
      "Dockerfile: FROM Debian 12 slim")


def runtime_has(keyword, predicate):
    return any(k == keyword and predicate(a) for k, a, _ in runtime)


check(runtime_has("EXPOSE", lambda a: "8080" in a.split()), "Dockerfile: EXPOSE 8080")
check(runtime_has("LABEL", lambda a: "com.amazonaws.sagemaker.capabilities.accept-bind-to-port=true" in a),
      "Dockerfile: LABEL com.amazonaws.sagemaker.capabilities.accept-bind-to-port=true")
check(runtime_has("ENV", lambda a: re.search(r"\bPYTHONUNBUFFERED=1\b", a) is not None),
      "Dockerfile: ENV PYTHONUNBUFFERED=1")
check(runtime_has("ENV", lambda a: re.search(r"\bLANG=C\.UTF-8\b", a) is not None), "Dockerfile: ENV LANG=C.UTF-8")
check(runtime_has("USER", lambda a: True) and runtime_has("ARG", lambda a: a.startswith("HOOKHOST_USER=")),
      "Dockerfile: USER from ARG HOOKHOST_USER (non-root option)")
check(runtime_has("ENTRYPOINT", lambda a: a.replace(" ", "") == '["serve"]'), 'Dockerfile: ENTRYPOINT ["serve"]')
check(runtime_has("CMD", lambda a: a.replace(" ", "") == '["serve"]'), 'Dockerfile: CMD ["serve"]')
check(runtime_has("COPY", lambda a: a.startswith("--from=build /out/ /")), "Dockerfile: runtime copies the install")
check(runtime_has("COPY", lambda a: a.split()[-1] == "/usr/local/bin/serve"), "Dockerfile: serve on PATH")
healthchecks = [a for k, a, _ in runtime if k == "HEALTHCHECK"]
check(len(healthchecks) == 1 and " CMD " in " " + healthchecks[0] + " " and "/ping" in healthchecks[0],
      "Dockerfile: one HEALTHCHECK CMD on /ping")
health_argv = json.loads(healthchecks[0].split(" CMD ", 1)[1]) if healthchecks else []

build_packages = apt_packages(build)
for needed in ("libevent-dev", "libjansson-dev", "python3-dev", "python3-numpy", "autoconf", "automake", "check"):
    check(needed in build_packages, "Dockerfile: build stage installs %s" % needed)
runtime_packages = apt_packages(runtime)
for needed in ("python3", "python3-numpy", "libjansson4", "libevent-core-2.1-7", "libpython3.11"):
    check(needed in runtime_packages, "Dockerfile: runtime installs %s" % needed)
check(not any(name.endswith("-dev") for name in runtime_packages), "Dockerfile: no -dev package at runtime")

# Every shared library the built binary needs comes from a runtime package (or from one every
# python3 image has).  Needs the binary, readelf and dpkg; skipped without them.
BASE_PACKAGES = {"libc6", "zlib1g", "libexpat1", "libgcc-s1"}
readelf, dpkg = shutil.which("readelf"), shutil.which("dpkg")
if binary and os.path.isfile(binary) and readelf and dpkg and shutil.which("ldd"):
    dynamic = subprocess.run([readelf, "-d", binary], capture_output=True, text=True).stdout
    loaded = subprocess.run(["ldd", binary], capture_output=True, text=True).stdout
    for library in re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", dynamic):
        if library.startswith(("libasan", "libubsan")):
            continue        # a --enable-sanitizers build; the image never is one
        resolved = re.search(r"^\s*%s => (\S+)" % re.escape(library), loaded, re.M)
        package = "?"
        for candidate in ([resolved.group(1)] if resolved else []):
            real = os.path.realpath(candidate)
            # usrmerge: dpkg may know the file under /lib or /usr/lib.
            for path in (candidate, real, "/usr" + candidate, candidate.replace("/usr/", "/", 1)):
                owner = subprocess.run(["dpkg", "-S", path], capture_output=True, text=True).stdout
                if owner:
                    package = owner.split(":", 1)[0].strip()
                    break
            if package != "?":
                break
        check(package in runtime_packages or package in BASE_PACKAGES,
              "Dockerfile: %s (NEEDED by hookhost) is in runtime package %s" % (library, package))
else:
    print("SKIP: runtime libraries vs NEEDED (no HOOKHOST_BIN, readelf, ldd or dpkg)")

# (b)'s script: the build stage's RUN commands after its source COPY, as written.
copied, commands = False, []
for keyword, arguments, _ in build:
    if keyword == "COPY" and arguments.split()[-1] in ("/src", "/src/"):
        copied = True
    elif keyword == "RUN" and copied:
        commands.append(arguments)
check(any(k == "WORKDIR" and a == "/src" for k, a, _ in build), "Dockerfile: build stage WORKDIR /src")
check(bool(commands) and all("DESTDIR=/out" in c or "make install" not in c for c in commands)
      and any("make install DESTDIR=/out" in c for c in commands),
      "Dockerfile: build stage ends in make install DESTDIR=/out")
with open(os.path.join(scratch, "build-stage.sh"), "w") as script:
    script.write("set -e\n")
    for command in commands:
        script.write(command.replace("DESTDIR=/out", 'DESTDIR="$DOCKER_OUT"') + "\n")
with open(os.path.join(scratch, "healthcheck.argv"), "w") as argv:
    argv.write("\n".join(health_argv) + "\n")

# ---- docker/Dockerfile.framework
path = os.path.join(srcdir, "docker", "Dockerfile.framework")
global_args, parsed_stages = lint_common("Dockerfile.framework", path)
check(len(parsed_stages) == 1 and parsed_stages[0][0].split()[0] == "${BASE_IMAGE}",
      "Dockerfile.framework: FROM ${BASE_IMAGE}")
check(global_args.get("BASE_IMAGE", "").startswith("hookhost:"), "Dockerfile.framework: BASE_IMAGE is the hookhost image")
framework = parsed_stages[0][1] if parsed_stages else []
check("python3-torch" in apt_packages(framework), "Dockerfile.framework: installs python3-torch")
check(any(k == "COPY" and a.split()[-1].rstrip("/") == "/opt/ml/code" for k, a, _ in framework),
      "Dockerfile.framework: copies the user script to /opt/ml/code")
check(any(k == "ENV" and "SAGEMAKER_PROGRAM=" in a for k, a, _ in framework),
      "Dockerfile.framework: sets SAGEMAKER_PROGRAM")
check(framework and framework[-1][0] in ("USER", "CMD", "ENTRYPOINT", "ENV") and
      any(k == "USER" and a != "root" for k, a, _ in framework), "Dockerfile.framework: drops back to the base's user")

# ---- docker/kubernetes.yaml
path = os.path.join(srcdir, "docker", "kubernetes.yaml")
try:
    import yaml
except ImportError:
    yaml = None
    print("SKIP: kubernetes.yaml structure (apt-get install python3-yaml)")
if yaml is not None:
    with open(path) as manifest:
        documents = [d for d in yaml.safe_load_all(manifest) if d]
    kinds = {d.get("kind"): d for d in documents}
    check("Deployment" in kinds and "Service" in kinds, "kubernetes.yaml: a Deployment and a Service")
    pod = kinds.get("Deployment", {}).get("spec", {}).get("template", {}).get("spec", {})
    check(pod.get("terminationGracePeriodSeconds") == 30, "kubernetes.yaml: terminationGracePeriodSeconds 30")
    containers = pod.get("containers") or [{}]
    container = containers[0]
    ready = container.get("readinessProbe", {}).get("httpGet", {})
    check(ready.get("path") == "/ping", "kubernetes.yaml: readinessProbe GET /ping")
    check(bool(container.get("livenessProbe")), "kubernetes.yaml: a livenessProbe")
    resources = container.get("resources", {})
    check("requests" in resources and "limits" in resources, "kubernetes.yaml: resources requests and limits")
    check(container.get("args") == ["serve"] or container.get("command") == ["serve"],
          "kubernetes.yaml: runs serve")
    env = {e.get("name"): str(e.get("value")) for e in container.get("env", [])}
    graceful = env.get("HOOKHOST_GRACEFUL_TIMEOUT", "20")
    check(graceful.isdigit() and int(graceful) < 30, "kubernetes.yaml: HOOKHOST_GRACEFUL_TIMEOUT below the 30 s grace")
    ports = [p.get("containerPort") for p in container.get("ports", [])]
    targets = [p.get("targetPort") for p in kinds.get("Service", {}).get("spec", {}).get("ports", [])]
    check(8080 in ports and any(t in (8080, "http") for t in targets), "kubernetes.yaml: Service targets 8080")
    selector = kinds.get("Service", {}).get("spec", {}).get("selector", {})
    labels = kinds.get("Deployment", {}).get("spec", {}).get("template", {}).get("metadata", {}).get("labels", {})
    check(bool(selector) and all(labels.get(k) == v for k, v in selector.items()),
          "kubernetes.yaml: the Service selects the Deployment's pods")

if failures:
    sys.exit("%d lint failure(s)" % len(failures))
EOF

# ------------------------------------------------------------------------------------------
step "(b) the build stage's commands in a copy of the tree"
# The copy leaves out what docker/Dockerfile.dockerignore leaves out of the build context, and
# this build directory (make check / distcheck may run inside the source tree).
"$python" - "$srcdir" "$scratch/src" "$builddir" <<'EOF'
import fnmatch
import os
import shutil
import sys

srcdir, dest, builddir = (os.path.realpath(p) for p in sys.argv[1:4])
with open(os.path.join(srcdir, "docker", "Dockerfile.dockerignore")) as ignore:
    patterns = [line.strip() for line in ignore if line.strip() and not line.startswith("#")]
skip_dirs = {builddir, os.path.join(srcdir, "_build"), os.path.join(srcdir, "_inst")}


def ignored(directory, names):
    relative = os.path.relpath(directory, srcdir)
    out = set()
    for name in names:
        path = os.path.normpath(os.path.join(relative, name))
        if os.path.join(directory, name) in skip_dirs:
            out.add(name)
        for pattern in patterns:
            bare = pattern[3:] if pattern.startswith("**/") else None
            if fnmatch.fnmatchcase(path, pattern) or (bare and fnmatch.fnmatchcase(name, bare)):
                out.add(name)
    return out


shutil.copytree(srcdir, dest, ignore=ignored, symlinks=True)
EOF
chmod -R u+w "$scratch/src"
mkdir -p "$scratch/out"
# The image's build environment: none of make check's variables.
if ! (cd "$scratch/src" &&
      env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u PYTHON -u HOOKHOST_BIN -u HOOKHOST_PYTHON_DIR \
          -u HOOKHOST_EXTENSION_DIR DOCKER_OUT="$scratch/out" sh "$scratch/build-stage.sh") \
        >"$scratch/build.log" 2>&1; then
    tail -40 "$scratch/build.log" >&2
    fail "the build stage's commands failed (log above)"
fi
destdir="$scratch/out"
installed="$destdir/usr/local/bin/hookhost"
[ -x "$installed" ] || fail "make install did not install usr/local/bin/hookhost"
for page in man1/hookhost.1 man7/hookhost-hooks.7; do
    [ -f "$destdir/usr/local/share/man/$page" ] || fail "make install did not install share/man/$page"
done
pythondir="$(find "$destdir/usr/local/lib" -maxdepth 3 -type d -name hookhost -path '*/dist-packages/*' | head -1)"
[ -n "$pythondir" ] || fail "make install did not install the hookhost Python package under lib/python*/dist-packages"
pythondir="$(dirname "$pythondir")"
ls "$pythondir"/hookhost/_codecs*.so >/dev/null 2>&1 || fail "the hookhost._codecs extension is not installed"
version="$(sed -n 's/^AC_INIT(\[hookhost\], \[\([^]]*\)\].*/\1/p' "$srcdir/configure.ac")"
[ "$("$installed" --version)" = "hookhost $version" ] || fail "installed hookhost --version is not 'hookhost $version'"
echo "ok: autoreconf, configure --prefix=/usr/local, make, make install DESTDIR (hookhost $version)"

# ------------------------------------------------------------------------------------------
step "(c) the runtime stage: serve against an /opt/ml tree"
# COPY docker/serve /usr/local/bin/serve, as the runtime stage does.
cp "$srcdir/docker/serve" "$destdir/usr/local/bin/serve"
chmod 0755 "$destdir/usr/local/bin/serve"
base="$scratch/opt/ml"
mkdir -p "$base/model" "$base/code"
cp "$srcdir/examples/mlp/model/mlp.npz" "$base/model/"
cp "$srcdir/examples/mlp/code/inference.py" "$base/code/"
port="$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"

run_image() {
    # The image's ENV and PATH, with the DESTDIR tree standing in for /usr/local.  Always run in
    # a subshell (exec), so a background run's $! is the server's pid.
    exec env -u HOOKHOST_BIN -u HOOKHOST_EXTENSION_DIR -u PYTHONHOME \
        PATH="$destdir/usr/local/bin:/usr/bin:/bin" \
        PYTHONPATH="$pythondir" HOOKHOST_PYTHON_DIR="$pythondir" \
        PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 LANG=C.UTF-8 \
        SAGEMAKER_BASE_DIR="$base" SAGEMAKER_PROGRAM=inference.py SAGEMAKER_BIND_TO_PORT="$port" \
        SAGEMAKER_MODEL_SERVER_WORKERS=1 TMPDIR="$scratch" \
        "$@"
}

# Another command than serve is run as given.
[ "$(cd "$base" && run_image serve hookhost --version)" = "hookhost $version" ] ||
    fail "serve COMMAND does not run COMMAND"

# ENTRYPOINT ["serve"] + CMD ["serve"]: argv is `serve serve`.
cd "$base"
run_image serve serve >"$scratch/serve.log" 2>&1 &
server_pid=$!
cd "$builddir"
sleep 0.2
exe="$(readlink "/proc/$server_pid/exe" 2>/dev/null || true)"
[ "$exe" = "$installed" ] || fail "serve did not exec the installed hookhost (pid $server_pid runs '$exe')"

# /ping through the image's own HEALTHCHECK command (python3 there is Debian's; here $python).
healthy=no
deadline=$(($(date +%s) + 30))
while [ "$(date +%s)" -lt "$deadline" ]; do
    running "$server_pid" || { cat "$scratch/serve.log" >&2; fail "serve exited before /ping answered"; }
    set --
    while IFS= read -r word; do
        [ "$word" = python3 ] && word="$python"
        set -- "$@" "$word"
    done <"$scratch/healthcheck.argv"
    if SAGEMAKER_BIND_TO_PORT="$port" "$@" 2>/dev/null; then
        healthy=yes
        break
    fi
    sleep 0.1
done
[ "$healthy" = yes ] || { cat "$scratch/serve.log" >&2; fail "the HEALTHCHECK command never saw /ping 200"; }
echo "ok: serve serve -> installed hookhost; HEALTHCHECK /ping 200"

"$python" - "$port" "$base" <<'EOF' || { cat "$scratch/serve.log" >&2; fail "/invocations"; }
import http.client
import importlib.util
import json
import os
import sys

import numpy

port, base = int(sys.argv[1]), sys.argv[2]
row = [[0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]]
connection = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
connection.request("GET", "/ping")
ping = connection.getresponse()
ping.read()
assert ping.status == 200, ping.status
connection.request("POST", "/invocations", body=json.dumps(row), headers={"Content-Type": "application/json"})
reply = connection.getresponse()
body = reply.read()
assert reply.status == 200, (reply.status, body)
assert reply.getheader("Content-Type") == "application/json", reply.getheader("Content-Type")
sys.dont_write_bytecode = True
spec = importlib.util.spec_from_file_location("mlp_inference", os.path.join(base, "code", "inference.py"))
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
expected = json.dumps(module.model_fn(os.path.join(base, "model"))(numpy.array(row, numpy.float32)).tolist())
assert body == expected.encode(), (body, expected)
print("ok: /invocations answered %s" % body.decode())
EOF

kill -TERM "$server_pid"
deadline=$(($(date +%s) + 25))
while running "$server_pid" && [ "$(date +%s)" -lt "$deadline" ]; do
    sleep 0.1
done
if running "$server_pid"; then
    cat "$scratch/serve.log" >&2
    fail "serve did not exit within 25 s of SIGTERM"
fi
status=0
wait "$server_pid" || status=$?
server_pid=""
[ "$status" -eq 0 ] || { cat "$scratch/serve.log" >&2; fail "serve exited $status after SIGTERM, not 0"; }
grep -q 'POST /invocations 200' "$scratch/serve.log" || fail "no access line for /invocations in the log"
echo "ok: SIGTERM -> exit 0"
step "done"
