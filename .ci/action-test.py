#!/usr/bin/env python3
"""Runs action.yml locally, step by step, the way the GitHub runner would, in a fake GitHub
environment, and checks what a workflow would see: the outputs, the step summary, the
annotations and whether the job fails.

The `run:` steps execute for real (bash, the scripts under scripts/action/, the tollgate
binary they install). The `uses:` steps are stood in for: actions/cache restore and save
copy directories to and from a local store, and upload-sarif checks the file it is given.
Step conditions and `${{ }}` expressions are evaluated by a small evaluator that knows
only what action.yml uses and rejects anything else, so it cannot silently pass over a
construct it does not understand.

Release downloads go to a fake release server on 127.0.0.1 (GITHUB_SERVER_URL and
GITHUB_API_URL point at it); the cargo-install fallback builds with CARGO_TARGET_DIR set
to the repository's target/, so it reuses the build .ci/run made before.

Usage: python .ci/action-test.py   (needs PyYAML; .ci/run installs it in a venv)
"""

from __future__ import annotations

import functools
import glob
import hashlib
import http.server
import io
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
REPO = "tollgate-dev/tollgate"
FIX = ROOT / "tests" / "fixtures"
PASSING_REPORT = "tests/fixtures/reports/cli/clean.json"
FAILING_REPORT = "tests/fixtures/reports/cli/prod-critical.json"


# --------------------------------------------------------------------------- expressions

TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<op>==|!=|&&|\|\||!|\(|\))|(?P<num>\d+)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z_][A-Za-z0-9_-]*)*(?:\(\))?))"
)


class Expr:
    """A recursive-descent evaluator for the subset of GitHub expressions action.yml uses:
    context lookups, string and number literals, ==, !=, !, &&, ||, parentheses and the
    status functions always(), success() and failure()."""

    def __init__(self, text: str, ctx: dict):
        self.tokens = []
        pos = 0
        text = text.strip()
        while pos < len(text):
            m = TOKEN.match(text, pos)
            if not m or m.end() == pos:
                raise ValueError(f"cannot parse expression {text!r} at {pos}")
            self.tokens.append((m.lastgroup, m.group(m.lastgroup)))
            pos = m.end()
        self.i = 0
        self.ctx = ctx
        self.text = text

    def evaluate(self):
        value = self.or_()
        if self.i != len(self.tokens):
            raise ValueError(f"unexpected {self.tokens[self.i]} in {self.text!r}")
        return value

    def peek(self):
        return self.tokens[self.i] if self.i < len(self.tokens) else (None, None)

    def take(self):
        tok = self.peek()
        self.i += 1
        return tok

    def or_(self):
        value = self.and_()
        while self.peek() == ("op", "||"):
            self.take()
            right = self.and_()
            value = value if truthy(value) else right
        return value

    def and_(self):
        value = self.cmp()
        while self.peek() == ("op", "&&"):
            self.take()
            right = self.cmp()
            value = right if truthy(value) else value
        return value

    def cmp(self):
        value = self.unary()
        while self.peek() in (("op", "=="), ("op", "!=")):
            op = self.take()[1]
            right = self.unary()
            equal = loose_equal(value, right)
            value = equal if op == "==" else not equal
        return value

    def unary(self):
        if self.peek() == ("op", "!"):
            self.take()
            return not truthy(self.unary())
        return self.atom()

    def atom(self):
        kind, text = self.take()
        if kind == "op" and text == "(":
            value = self.or_()
            if self.take() != ("op", ")"):
                raise ValueError(f"missing ) in {self.text!r}")
            return value
        if kind == "str":
            return text[1:-1].replace("''", "'")
        if kind == "num":
            return int(text)
        if kind == "name":
            if text.endswith("()"):
                fn = text[:-2]
                if fn not in ("always", "success", "failure"):
                    raise ValueError(f"unsupported function {fn}() in {self.text!r}")
                return self.ctx["_status"][fn]
            if text in ("true", "false"):
                return text == "true"
            value = self.ctx
            for part in text.split("."):
                if not isinstance(value, dict) or part not in value:
                    if value is self.ctx:
                        raise ValueError(f"unknown context {part!r} in {self.text!r}")
                    return ""  # GitHub: a missing property is null, shown as ''
                value = value[part]
            return value
        raise ValueError(f"unexpected {text!r} in {self.text!r}")


def truthy(value) -> bool:
    return value not in (None, False, "", 0)


def loose_equal(a, b) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return a.lower() == b.lower()  # GitHub compares strings case-insensitively
    return a == b


def interpolate(text, ctx):
    if not isinstance(text, str):
        return "" if text is None else str(text).lower() if isinstance(text, bool) else str(text)
    return re.sub(r"\$\{\{(.*?)\}\}", lambda m: to_string(Expr(m.group(1), ctx).evaluate()), text)


def to_string(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def condition(text, ctx) -> bool:
    if text is None:
        return ctx["_status"]["success"]
    text = str(text).strip()
    if text.startswith("${{") and text.endswith("}}"):
        text = text[3:-2]
    if not re.search(r"\b(always|success|failure|cancelled)\(\)", text):
        text = f"success() && ({text})"
    return truthy(Expr(text, ctx).evaluate())


# --------------------------------------------------------------------------- the runner


def parse_command_file(path: Path) -> dict:
    """GITHUB_OUTPUT's format: NAME=VALUE lines and NAME<<DELIMITER blocks."""
    out = {}
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line:
            continue
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delim = line.split("<<", 1)
            value = []
            while lines[i] != delim:
                value.append(lines[i])
                i += 1
            i += 1
            out[name] = "\n".join(value)
        else:
            name, value = line.split("=", 1)
            out[name] = value
    return out


class Job:
    """One job that calls the action once, with its own runner directories."""

    def __init__(self, name, inputs, *, tool_cache, cache_store, extra_env=None, github=None):
        self.name = name
        self.dir = Path(tempfile.mkdtemp(prefix=f"tollgate-action-{name}-"))
        self.temp = self.dir / "runner-temp"
        self.temp.mkdir()
        self.summary = self.dir / "step-summary.md"
        self.summary.touch()
        self.path_file = self.dir / "github-path"
        self.path_file.touch()
        self.log = []
        self.inputs = inputs
        self.tool_cache = tool_cache
        self.cache_store = cache_store
        self.extra_env = extra_env or {}
        self.github = {"action_ref": "", "action_repository": "", "token": "fake-token-not-a-secret"}
        self.github.update(github or {})
        self.uploaded = []
        self.attested = []
        self.cache_saved = []

    def base_env(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TOLLGATE_", "GITHUB_", "RUNNER_", "INPUT_", "ACTION_"))}
        env.update(
            {
                "CI": "true",
                "GITHUB_ACTIONS": "true",
                "GITHUB_ACTION_PATH": str(ROOT),
                "GITHUB_WORKSPACE": str(ROOT),
                "GITHUB_STEP_SUMMARY": str(self.summary),
                "GITHUB_PATH": str(self.path_file),
                "RUNNER_OS": "Linux",
                "RUNNER_ARCH": {"x86_64": "X64", "aarch64": "ARM64", "arm64": "ARM64"}[platform.machine().lower()],
                "RUNNER_TEMP": str(self.temp),
                "RUNNER_TOOL_CACHE": str(self.tool_cache),
                "CARGO_TARGET_DIR": str(ROOT / "target"),
                # The build's dependencies are already in cargo's cache: no index update.
                "CARGO_NET_OFFLINE": "true",
                "NO_COLOR": "1",
            }
        )
        env.update(self.extra_env)
        extra_path = [p for p in self.path_file.read_text().splitlines() if p]
        if extra_path:
            env["PATH"] = os.pathsep.join(extra_path[::-1] + [env["PATH"]])
        return env

    def run(self):
        action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
        inputs = {}
        for name, spec in action["inputs"].items():
            inputs[name] = str(self.inputs.get(name, spec.get("default", "")))
        unknown = set(self.inputs) - set(inputs)
        assert not unknown, f"the test passes inputs action.yml does not declare: {unknown}"
        steps = {}
        failed = False
        self.outcomes = []
        for index, step in enumerate(action["runs"]["steps"]):
            ctx = {
                "inputs": inputs,
                "github": self.github,
                "steps": steps,
                "runner": {"os": "Linux", "temp": str(self.temp)},
                "_status": {"always": True, "success": not failed, "failure": failed},
            }
            sid = step.get("id", f"__{index}")
            label = step.get("name", sid)
            if not condition(step.get("if"), ctx):
                steps[sid] = {"outcome": "skipped", "conclusion": "skipped", "outputs": {}}
                self.outcomes.append((label, "skipped"))
                continue
            if "run" in step:
                ok, outputs = self.run_step(step, ctx, label)
            else:
                ok, outputs = self.uses_step(step, ctx, label)
            steps[sid] = {"outcome": "success" if ok else "failure", "outputs": outputs}
            steps[sid]["conclusion"] = steps[sid]["outcome"]
            self.outcomes.append((label, steps[sid]["outcome"]))
            failed = failed or not ok
        ctx["_status"] = {"always": True, "success": not failed, "failure": failed}
        self.outputs = {name: interpolate(spec["value"], ctx) for name, spec in action["outputs"].items()}
        self.failed = failed
        self.steps = steps
        return self

    def run_step(self, step, ctx, label):
        assert step.get("shell") == "bash", f"step {label!r} must say shell: bash"
        env = self.base_env()
        for key, value in (step.get("env") or {}).items():
            env[key] = interpolate(value, ctx)
        output = self.dir / f"output-{len(self.outcomes)}"
        output.touch()
        env["GITHUB_OUTPUT"] = str(output)
        script = self.dir / f"step-{len(self.outcomes)}.sh"
        script.write_text(step["run"], encoding="utf-8")
        # What the runner runs for `shell: bash`.
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=ROOT, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
        )
        self.log.append(f"--- {label} (exit {proc.returncode})\n{proc.stdout}{proc.stderr}")
        return proc.returncode == 0, parse_command_file(output)

    def uses_step(self, step, ctx, label):
        uses = step["uses"]
        args = {k: interpolate(v, ctx) for k, v in (step.get("with") or {}).items()}
        name = uses.split("@")[0]
        if name == "actions/cache/restore":
            saved = self.cache_store / args["key"]
            if saved.exists():
                shutil.copytree(saved, args["path"], dirs_exist_ok=True)
                self.log.append(f"--- {label}: cache hit {args['key']}")
                return True, {"cache-hit": "true", "cache-primary-key": args["key"], "cache-matched-key": args["key"]}
            self.log.append(f"--- {label}: cache miss {args['key']}")
            return True, {"cache-hit": "false", "cache-primary-key": args["key"]}
        if name == "actions/cache/save":
            target = self.cache_store / args["key"]
            if not target.exists():
                shutil.copytree(args["path"], target)
            self.cache_saved.append(args["key"])
            return True, {}
        if name == "github/codeql-action/upload-sarif":
            path = Path(args["sarif_file"])
            doc = json.loads(path.read_text(encoding="utf-8"))
            ok = doc.get("version") == "2.1.0" and bool(doc.get("runs"))
            self.uploaded.append(doc)
            self.log.append(f"--- {label}: uploaded {path}")
            return ok, {"sarif-id": "fake"}
        if name == "actions/attest":
            # As GitHub's: a statement of the predicate about each subject-path file.
            predicate = json.loads(Path(args["predicate-path"]).read_text(encoding="utf-8"))
            subjects = []
            for line in args["subject-path"].splitlines():
                for path in sorted(glob.glob(line.strip())):
                    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
                    subjects.append({"name": Path(path).name, "digest": {"sha256": digest}})
            ok = bool(subjects) and args["predicate-type"] == "https://in-toto.io/attestation/test-result/v0.1"
            self.attested.append({"subject": subjects, "predicateType": args["predicate-type"], "predicate": predicate})
            self.log.append(f"--- {label}: attested {len(subjects)} subjects")
            return ok, {"bundle-path": "fake"}
        raise AssertionError(f"the local runner has no stand-in for {uses}")

    def text(self):
        return "\n".join(self.log)


# --------------------------------------------------------------------------- fake releases


class Releases:
    """A fake GitHub: /OWNER/REPO/releases/download/TAG/ASSET and the releases API."""

    def __init__(self, root: Path):
        self.root = root
        handler = functools.partial(Quiet, directory=str(root))
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def publish(self, tag, archive_name, data: bytes, *, checksum=None):
        d = self.root / REPO / "releases" / "download" / tag
        d.mkdir(parents=True, exist_ok=True)
        (d / archive_name).write_bytes(data)
        digest = checksum or hashlib.sha256(data).hexdigest()
        (d / "SHA256SUMS").write_text(f"{'0' * 64}  tollgate-other-target.tar.gz\n{digest}  {archive_name}\n")

    def list(self, releases):
        d = self.root / "repos" / REPO
        d.mkdir(parents=True, exist_ok=True)
        (d / "releases").write_text(json.dumps(releases))

    def env(self):
        return {"GITHUB_SERVER_URL": self.url, "GITHUB_API_URL": self.url}

    def stop(self):
        self.server.shutdown()


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def archive_of(binary: Path) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        tar.add(binary, arcname="tollgate")
    return buf.getvalue()


def path_without(tool: str, first: Path) -> str:
    """A PATH equal to the current one, less any `tool`: a directory of links."""
    d = Path(tempfile.mkdtemp(prefix=f"tollgate-no-{tool}-"))
    seen = set()
    for entry in [str(first)] + os.environ["PATH"].split(os.pathsep):
        if not entry or not os.path.isdir(entry):
            continue
        for f in os.scandir(entry):
            if f.name == tool or f.name in seen:
                continue
            if f.is_file() and os.access(f.path, os.X_OK):
                seen.add(f.name)
                os.symlink(f.path, d / f.name)
    assert shutil.which(tool, path=str(d)) is None
    return str(d)


# --------------------------------------------------------------------------- the cases


class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def case(self, title, job: Job, checks):
        problems = []
        for what, ok in checks:
            if not ok:
                problems.append(what)
        if problems:
            self.failed += 1
            print(f"FAIL {title}")
            for p in problems:
                print(f"     - {p}")
            print(f"     outputs: {job.outputs}")
            print(f"     steps: {job.outcomes}")
            print("     log:\n" + "\n".join("       " + line for line in job.text().splitlines()))
        else:
            self.passed += 1
            print(f"ok   {title}")


def main() -> int:
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="tollgate-action-test-"))
    checks = Checks()
    gate = {"config": "tests/fixtures/cli.toml", "policies": "tests/fixtures/policies/prod"}
    store = work / "cache-store"
    store.mkdir()
    tools = work / "tool-cache"
    junit = work / "out" / "junit.xml"

    # 1. No release (a local action, no version): the cargo fallback; a passing gate.
    j1 = Job("fallback-pass", dict(gate, reports=PASSING_REPORT, junit=str(junit)), tool_cache=tools, cache_store=store).run()
    installed = j1.steps.get("install", {}).get("outputs", {}).get("bin", "")
    summary = j1.summary.read_text(encoding="utf-8")
    checks.case(
        "cargo-install fallback, passing gate",
        j1,
        [
            ("install took the cargo fallback", j1.steps["install"]["outputs"].get("source") == "cargo"),
            ("the binary was cached", len(j1.cache_saved) == 1),
            ("the bin directory went on GITHUB_PATH", str(Path(installed).parent) in j1.path_file.read_text()),
            ("verdict=passed", j1.outputs["verdict"] == "passed"),
            ("blocking=0, findings=0", (j1.outputs["blocking"], j1.outputs["findings"]) == ("0", "0")),
            ("exit-code=0", j1.outputs["exit-code"] == "0"),
            ("result-file is a tollgate.result/v1", j1.outputs["result-file"] and json.loads(Path(j1.outputs["result-file"]).read_text())["schema"] == "tollgate.result/v1"),
            ("junit-file is the requested path", j1.outputs["junit-file"] == str(junit) and junit.read_text().startswith("<?xml")),
            ("SARIF uploaded", len(j1.uploaded) == 1 and j1.outputs["sarif-file"].endswith(".sarif")),
            ("step summary says passed", "gate passed" in summary),
            ("no error annotation", "::error" not in j1.text()),
            ("job succeeded", not j1.failed),
        ],
    )
    if not installed or not Path(installed).exists():
        print("cannot go on without the installed binary")
        return 1

    # 2. Same key: the cache restores the binary; a failing gate still uploads SARIF, then
    #    fails the job with exit 1.
    shutil.rmtree(tools)
    j2 = Job("cached-fail", dict(gate, reports=FAILING_REPORT), tool_cache=tools, cache_store=store).run()
    summary = j2.summary.read_text(encoding="utf-8")
    outcomes = dict(j2.outcomes)
    checks.case(
        "cached binary, failing gate",
        j2,
        [
            ("cache hit", j2.steps["restore"]["outputs"].get("cache-hit") == "true"),
            ("install used the cache", j2.steps["install"]["outputs"].get("source") == "cache"),
            ("no second cache save", not j2.cache_saved),
            ("verdict=failed", j2.outputs["verdict"] == "failed"),
            ("blocking=1, findings=1", (j2.outputs["blocking"], j2.outputs["findings"]) == ("1", "1")),
            ("exit-code=1", j2.outputs["exit-code"] == "1"),
            ("SARIF uploaded although the gate failed", len(j2.uploaded) == 1 and "PATCH-001" in json.dumps(j2.uploaded[0])),
            ("run step itself succeeded", outcomes.get("Run tollgate check") == "success"),
            ("verdict step failed the job", outcomes.get("Gate verdict") == "failure" and j2.failed),
            ("error annotation for the finding", "::error file=" in j2.text() and "PATCH-001" in j2.text()),
            ("step summary says failed", "gate failed" in summary),
            ("no junit-file when not asked", j2.outputs["junit-file"] == ""),
        ],
    )

    # 3. Inputs are data: shell syntax in them runs nothing; tollgate gets odd arguments and
    #    exits 2, which is an error verdict and a failed job.
    marker = work / "injected"
    j3 = Job(
        "error-injection",
        dict(
            gate,
            reports=f"{PASSING_REPORT} $(touch {marker}) `touch {marker}`",
            args=f"--strict ;touch {marker}",
            baseline=f"x'; touch {marker}; '",
        ),
        tool_cache=tools,
        cache_store=store,
    ).run()
    checks.case(
        "shell syntax in inputs is never run; exit 2 is an error",
        j3,
        [
            ("nothing was executed", not marker.exists()),
            ("verdict=error", j3.outputs["verdict"] == "error"),
            ("exit-code=2", j3.outputs["exit-code"] == "2"),
            ("no counts", (j3.outputs["blocking"], j3.outputs["findings"]) == ("", "")),
            ("no SARIF upload without a SARIF file", not j3.uploaded),
            ("summary says it could not decide", "could not decide" in j3.summary.read_text(encoding="utf-8")),
            ("job failed", j3.failed),
        ],
    )

    # 3b. A run that stops before evaluating (a report that does not exist) still writes
    #     its result, which says so: verdict error, no counts, and its SARIF (which has no
    #     results and would close every alert of the category) is not uploaded.
    j3b = Job("error-unevaluated", dict(gate, reports="tests/fixtures/reports/cli/no-such-report.json"), tool_cache=tools, cache_store=store).run()
    checks.case(
        "a run that evaluated nothing: error, no counts, no SARIF upload",
        j3b,
        [
            ("verdict=error", j3b.outputs["verdict"] == "error"),
            ("exit-code=2", j3b.outputs["exit-code"] == "2"),
            ("the result was written", j3b.outputs["result-file"] != "" and json.loads(Path(j3b.outputs["result-file"]).read_text())["evaluated"] is False),
            ("no counts", (j3b.outputs["blocking"], j3b.outputs["findings"]) == ("", "")),
            ("no SARIF upload", not j3b.uploaded and j3b.outputs["sarif-file"] == ""),
            ("said why", "not uploading" in j3b.text()),
            ("job failed", j3b.failed),
        ],
    )

    # 4. A newline in a one-line input could forge an output line: refused.
    j4 = Job("forged-output", dict(gate, reports=PASSING_REPORT, junit="x.xml\nverdict=passed"), tool_cache=tools, cache_store=store).run()
    checks.case(
        "a newline in a single-value input is refused",
        j4,
        [
            ("run step failed", j4.steps["run"]["outcome"] == "failure"),
            ("said why", "must be a single line" in j4.text()),
            ("no verdict forged", j4.outputs["verdict"] == ""),
            ("job failed", j4.failed),
        ],
    )

    # 4b. The ledger: `state` names the store, `state-init` starts it; the result says the
    #     run was recorded. A `state-init` that is neither true nor empty is refused.
    ledger = work / "ledger" / "state.db"
    j4b = Job("ledger", dict(gate, reports=FAILING_REPORT, state=str(ledger), **{"state-init": "true"}), tool_cache=tools, cache_store=store).run()
    recorded = j4b.outputs["result-file"] and json.loads(Path(j4b.outputs["result-file"]).read_text()).get("ledger", {})
    checks.case(
        "state and state-init keep a ledger",
        j4b,
        [
            ("the ledger file was made", ledger.is_file()),
            ("the run was recorded in it", bool(recorded) and recorded.get("recorded") is True and recorded.get("new") == 1),
            ("exit-code=1", j4b.outputs["exit-code"] == "1"),
        ],
    )
    j4c = Job("ledger-bad-init", dict(gate, reports=PASSING_REPORT, state=str(ledger), **{"state-init": "maybe"}), tool_cache=tools, cache_store=store).run()
    checks.case(
        "a state-init that is not true is refused",
        j4c,
        [
            ("said why", "state-init is" in j4c.text()),
            ("job failed", j4c.failed),
        ],
    )

    # 4d. `attest`: the test-result predicate goes to actions/attest for the artifacts, also
    #     when the gate failed (its result says so).
    artifact = work / "dist" / "app-4.2.tar.gz"
    artifact.parent.mkdir(parents=True, exist_ok=True)
    artifact.write_bytes(b"release 4.2")
    j4d = Job("attest", dict(gate, reports=FAILING_REPORT, attest=str(work / "dist" / "*.tar.gz")), tool_cache=tools, cache_store=store).run()
    attested = j4d.attested[0] if j4d.attested else {}
    checks.case(
        "attest signs the gate's predicate for the artifacts",
        j4d,
        [
            ("one attestation", len(j4d.attested) == 1),
            ("about the artifact", attested.get("subject", [{}])[0].get("digest", {}).get("sha256") == hashlib.sha256(b"release 4.2").hexdigest()),
            ("result FAILED", attested.get("predicate", {}).get("result") == "FAILED"),
            ("failed rules listed", bool(attested.get("predicate", {}).get("failedTests"))),
            ("predicate-file output", j4d.outputs.get("predicate-file", "").endswith("tollgate.predicate.json")),
            ("job failed", j4d.failed),
        ],
    )
    j4e = Job("no-attest", dict(gate, reports=PASSING_REPORT), tool_cache=tools, cache_store=store).run()
    checks.case(
        "without attest nothing is attested",
        j4e,
        [
            ("no attestation", not j4e.attested),
            ("no predicate-file", j4e.outputs.get("predicate-file", "") == ""),
        ],
    )

    # 5-8: releases from a fake GitHub.
    releases = Releases(work / "www")
    binary = archive_of(Path(installed))
    archive = "tollgate-" + {"X64": "x86_64", "ARM64": "aarch64"}[j1.base_env()["RUNNER_ARCH"]] + "-unknown-linux-musl.tar.gz"
    releases.publish("v9.9.9", archive, binary)
    releases.publish("v9.10.1", archive, binary)
    releases.publish("v9.9.8", archive, binary, checksum=hashlib.sha256(b"something else").hexdigest())
    releases.list(
        [
            {"tag_name": "v10.0.0", "draft": False, "prerelease": False},
            {"tag_name": "v9.13.0", "draft": True, "prerelease": False},
            {"tag_name": "v9.12.0-rc.1", "draft": False, "prerelease": True},
            {"tag_name": "v9.9.9", "draft": False, "prerelease": False},
            {"tag_name": "v9.10.1", "draft": False, "prerelease": False},
            {"tag_name": "v8.1.0", "draft": False, "prerelease": False},
        ]
    )
    github = {"action_repository": REPO, "action_ref": "v9.9.9"}
    try:
        j5 = Job("release", dict(gate, reports=PASSING_REPORT, sarif="false"), tool_cache=work / "tools-5", cache_store=work / "store-5", extra_env=releases.env(), github=github)
        (work / "store-5").mkdir()
        j5.run()
        checks.case(
            "release binary for the action's ref, checksum verified",
            j5,
            [
                ("installed from release v9.9.9", j5.steps["install"]["outputs"].get("source") == "release v9.9.9"),
                ("checksum verified", "verified " + archive in j5.text()),
                ("verdict=passed", j5.outputs["verdict"] == "passed"),
                ("sarif: false writes and uploads none", j5.outputs["sarif-file"] == "" and not j5.uploaded and dict(j5.outcomes)["Upload SARIF to code scanning"] == "skipped"),
                ("job succeeded", not j5.failed),
            ],
        )

        # 6. A major-version ref resolves to the highest 9.x.y release (numerically, not
        #    v9.9.9; no draft or pre-release), with no jq on PATH (the Python path).
        no_jq = path_without("jq", Path(sys.executable).parent)
        j6 = Job("major", dict(gate, reports=FAILING_REPORT, sarif="false"), tool_cache=work / "tools-6", cache_store=work / "store-6", extra_env=dict(releases.env(), PATH=no_jq), github={"action_repository": REPO, "action_ref": "v9"})
        (work / "store-6").mkdir()
        j6.run()
        checks.case(
            "v9 resolves to the newest v9 release; outputs without jq",
            j6,
            [
                ("installed from release v9.10.1", j6.steps["install"]["outputs"].get("source") == "release v9.10.1"),
                ("verdict=failed", j6.outputs["verdict"] == "failed"),
                ("blocking=1, findings=1", (j6.outputs["blocking"], j6.outputs["findings"]) == ("1", "1")),
                ("job failed", j6.failed),
            ],
        )

        # 7. A checksum mismatch stops the job before anything runs.
        j7 = Job("mismatch", dict(gate, reports=PASSING_REPORT, version="v9.9.8"), tool_cache=work / "tools-7", cache_store=work / "store-7", extra_env=releases.env(), github=github)
        (work / "store-7").mkdir()
        j7.run()
        leftovers = [p for p in (work / "tools-7").rglob("tollgate") if p.is_file()] if (work / "tools-7").exists() else []
        checks.case(
            "checksum mismatch is a hard failure",
            j7,
            [
                ("install failed", j7.steps["install"]["outcome"] == "failure"),
                ("said why", "checksum mismatch" in j7.text()),
                ("no binary left behind", not leftovers),
                ("nothing cached", not j7.cache_saved),
                ("tollgate did not run", dict(j7.outcomes).get("Run tollgate check") == "skipped"),
                ("job failed", j7.failed),
            ],
        )

        # 8. A version with no release: a warning, then the cargo fallback.
        j8 = Job("no-release", dict(gate, reports=PASSING_REPORT, version="v0.0.1", sarif="false"), tool_cache=work / "tools-8", cache_store=work / "store-8", extra_env=releases.env(), github=github)
        (work / "store-8").mkdir()
        j8.run()
        checks.case(
            "a version without a release falls back to cargo install",
            j8,
            [
                ("warned", "::warning" in j8.text() and "v0.0.1" in j8.text()),
                ("built with cargo", j8.steps["install"]["outputs"].get("source") == "cargo"),
                ("verdict=passed", j8.outputs["verdict"] == "passed"),
                ("job succeeded", not j8.failed),
            ],
        )
    finally:
        releases.stop()

    elapsed = time.monotonic() - started
    print(f"action test: {checks.passed} passed, {checks.failed} failed ({elapsed:.1f} s)")
    if checks.failed == 0:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"work files kept in {work}")
    return 1 if checks.failed else 0


if __name__ == "__main__":
    sys.exit(main())
