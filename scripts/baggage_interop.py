#!/usr/bin/env python3
"""Cross-language check of `ctxlocal::otel::FieldsPropagator` (run by CI, see .ci/run).

Downstream services are often not Rust. This installs OpenTelemetry's W3C Baggage propagators
for JavaScript (`@opentelemetry/core`, from npm) and Python (`opentelemetry-api`, from PyPI)
into a temporary directory and checks both directions through the new propagator, with values
that exercise the encoding (unicode, `=`, `,`, `;`, `%`, `+`, surrounding spaces) and another
system's member with properties:

- ctxlocal -> JS and JS -> ctxlocal: exact round trips (values and properties);
- ctxlocal -> Python and Python -> ctxlocal: equal except where Python departs from the W3C
  specification (its open bug open-telemetry/opentelemetry-python#5566):
  * it sends a space as `+` and reads `+` as a space (form encoding, not percent-encoding),
    so a value with spaces arrives at ctxlocal with `+` in their place, and a `+` ctxlocal
    sends arrives as a space;
  * it strips surrounding whitespace from the values it reads;
  * it has no properties: it reads them as part of the value (`vendor=x;ttl=3` arrives as the
    value `x;ttl=3`) and cannot send any.

The Rust side is the example `baggage_peer` of the `ctxlocal-tests` package (built here with
cargo). If npm or pip cannot reach its registry at all, that language's checks print SKIPPED
with the reason and the script still succeeds; any mismatch, or an install that fails while
the registry is reachable, fails it (exit 1).

usage: scripts/baggage_interop.py
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

JS_PACKAGES = ["@opentelemetry/core@3.1.1", "@opentelemetry/api@1.10.0"]
PY_PACKAGE = "opentelemetry-api==1.45.2"
TIMEOUT = 300

# Values of the `note` field (a `String` propagated under its name).
VALUES = [
    "plain",
    "caf\u00e9 \u6771\u4eac \U0001F600",
    "a=b==",
    "a,b",
    "a;b",
    "100%",
    "%41",
    "  spaced  ",
    "a+b",
    "tab\there",
]
# Another system's members: (key, value, properties).
FOREIGN = [("vendor", "opaque value", "ttl=3;p"), ("plain", "x", "")]
REQUEST_ID = "req-1"
USER = 42

JS_DRIVER = r"""
const { W3CBaggagePropagator } = require('@opentelemetry/core');
const api = require('@opentelemetry/api');
const readline = require('readline');
const propagator = new W3CBaggagePropagator();
const setter = { set(carrier, key, value) { carrier[key] = value; } };
const getter = {
  get(carrier, key) { return carrier[key]; },
  keys(carrier) { return Object.keys(carrier); },
};
readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const request = JSON.parse(line);
  let answer;
  if (request.op === 'inject') {
    const entries = {};
    for (const [key, value, properties] of request.members) {
      entries[key] = properties
        ? { value, metadata: api.baggageEntryMetadataFromString(properties) }
        : { value };
    }
    const carrier = {};
    const baggage = api.propagation.createBaggage(entries);
    propagator.inject(api.propagation.setBaggage(api.ROOT_CONTEXT, baggage), carrier, setter);
    answer = { header: carrier.baggage };
  } else {
    const cx = propagator.extract(api.ROOT_CONTEXT, { baggage: request.header }, getter);
    const baggage = api.propagation.getBaggage(cx);
    const members = baggage ? baggage.getAllEntries().map(([key, entry]) =>
      [key, entry.value, entry.metadata ? entry.metadata.toString() : '']) : [];
    answer = { members };
  }
  process.stdout.write(JSON.stringify(answer) + '\n');
});
"""

PY_DRIVER = r"""
import json
import sys

from opentelemetry import baggage
from opentelemetry.baggage.propagation import W3CBaggagePropagator
from opentelemetry.context import Context

propagator = W3CBaggagePropagator()
for line in sys.stdin:
    request = json.loads(line)
    if request["op"] == "inject":
        cx = Context()
        for key, value, properties in request["members"]:
            assert not properties, "Python's baggage has no properties"
            cx = baggage.set_baggage(key, value, cx)
        carrier = {}
        propagator.inject(carrier, cx)
        answer = {"header": carrier.get("baggage")}
    else:
        cx = propagator.extract({"baggage": request["header"]})
        members = [[key, str(value), ""] for key, value in baggage.get_all(cx).items()]
        answer = {"members": members}
    print(json.dumps(answer), flush=True)
"""


class Peer:
    """A process answering one JSON line per JSON request line."""

    def __init__(self, name, argv, env=None):
        self.name = name
        self.process = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            env=env,
        )

    def ask(self, request):
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            self.process.kill()
            raise SystemExit(f"FAIL: {self.name} stopped answering:\n{self.process.stderr.read()}")
        return json.loads(line)

    def close(self):
        self.process.stdin.close()
        self.process.wait(timeout=30)


def run(argv, **kwargs):
    return subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT, **kwargs)


def rust_peer():
    built = run(
        ["cargo", "build", "--quiet", "-p", "ctxlocal-tests", "--example", "baggage_peer",
         "--message-format=json"],
    )
    if built.returncode != 0:
        raise SystemExit(f"FAIL: cannot build the Rust peer:\n{built.stderr}")
    for line in built.stdout.splitlines():
        message = json.loads(line)
        if message.get("reason") == "compiler-artifact" and message.get("executable") \
                and message["target"]["name"] == "baggage_peer":
            return Peer("the Rust peer", [message["executable"]])
    raise SystemExit("FAIL: cargo built no baggage_peer executable")


def install_js(directory):
    """A Peer running the JS driver, or the reason to skip."""
    if not shutil.which("node") or not shutil.which("npm"):
        return None, "node or npm is not installed"
    installed = run(["npm", "install", "--prefix", directory, "--no-audit", "--no-fund",
                     "--no-package-lock", *JS_PACKAGES])
    if installed.returncode != 0:
        probe = run(["npm", "ping"])
        if probe.returncode != 0:
            return None, f"npm cannot reach its registry: {reason(probe.stderr)}"
        raise SystemExit(f"FAIL: npm install {' '.join(JS_PACKAGES)}:\n{installed.stderr}")
    driver = os.path.join(directory, "driver.js")
    with open(driver, "w", encoding="utf-8") as file:
        file.write(JS_DRIVER)
    env = dict(os.environ, NODE_PATH=os.path.join(directory, "node_modules"))
    return Peer("OpenTelemetry JS", ["node", driver], env), None


def install_python(directory):
    """A Peer running the Python driver, or the reason to skip."""
    target = os.path.join(directory, "site")
    installed = run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                     "--target", target, PY_PACKAGE])
    if installed.returncode != 0:
        # Lists the package's versions whenever the index answers, whichever exist.
        probe = run([sys.executable, "-m", "pip", "index", "versions", "--disable-pip-version-check",
                     PY_PACKAGE.split("==")[0]])
        if probe.returncode != 0:
            return None, f"pip cannot reach its index: {reason(installed.stderr + probe.stderr)}"
        raise SystemExit(f"FAIL: pip install {PY_PACKAGE}:\n{installed.stderr}")
    driver = os.path.join(directory, "driver.py")
    with open(driver, "w", encoding="utf-8") as file:
        file.write(PY_DRIVER)
    env = dict(os.environ, PYTHONPATH=target)
    return Peer("OpenTelemetry Python", [sys.executable, driver], env), None


def reason(text):
    """The first line of a tool's error output that says what went wrong."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    useful = [line for line in lines if "complete log" not in line and "_logs" not in line]
    for line in useful:
        if any(word in line for word in ("ECONN", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT",
                                         "Connection", "connection", "resolve", "unreachable")):
            return line
    return useful[0] if useful else "(no output)"


def ours_inject(rust, note, members):
    fields = {"request_id": REQUEST_ID, "note": note, "user": USER}
    return rust.ask({"op": "inject", "fields": fields, "members": [list(m) for m in members]})["header"]


def by_key(members):
    return {key: (value, properties) for key, value, properties in members}


class Report:
    def __init__(self):
        self.failures = []
        self.rows = []

    def check(self, direction, value, header, expected, got):
        if expected != got:
            self.failures.append(
                f"{direction}: value {value!r}\n  header:   {header}\n  expected: {expected}\n  got:      {got}"
            )

    def row(self, language, outcome):
        self.rows.append((language, outcome))


def check_js(rust, js, report):
    failures = len(report.failures)
    for note in VALUES:
        # ctxlocal -> JS: exact, properties included.
        header = ours_inject(rust, note, FOREIGN)
        got = by_key(js.ask({"op": "extract", "header": header})["members"])
        expected = {"request_id": (REQUEST_ID, ""), "note": (note, ""), "user.id": (str(USER), "")}
        expected.update({key: (value, properties) for key, value, properties in FOREIGN})
        report.check("ctxlocal -> JS", note, header, expected, got)
        # JS -> ctxlocal: exact.
        members = [("request_id", REQUEST_ID, ""), ("note", note, ""), ("user.id", str(USER), "")]
        header = js.ask({"op": "inject", "members": [list(m) for m in members + FOREIGN]})["header"]
        got = rust.ask({"op": "extract", "header": header})
        expected = {
            "fields": {"request_id": REQUEST_ID, "note": note, "user": USER},
            "members": sorted([list(m) for m in FOREIGN]),
        }
        report.check("JS -> ctxlocal", note, header, expected, got)
    exact = len(report.failures) == failures
    report.row("JS (@opentelemetry/core 3.1.1)", "exact both ways, properties kept" if exact else "MISMATCH")


def python_reads(value):
    """What OpenTelemetry Python reads of a value ctxlocal sent (see the module docstring)."""
    return value.replace("+", " ").strip()


def ours_read_of_python(value):
    """What ctxlocal reads of a value OpenTelemetry Python sent."""
    return value.replace(" ", "+")


def check_python(rust, python, report):
    failures = len(report.failures)
    for note in VALUES:
        # ctxlocal -> Python.
        header = ours_inject(rust, note, FOREIGN)
        got = by_key(python.ask({"op": "extract", "header": header})["members"])
        expected = {
            "request_id": (REQUEST_ID, ""),
            "note": (python_reads(note), ""),
            "user.id": (str(USER), ""),
        }
        for key, value, properties in FOREIGN:
            expected[key] = (value + (";" + properties if properties else ""), "")
        report.check("ctxlocal -> Python", note, header, expected, got)
        # Python -> ctxlocal (it cannot send properties).
        plain = [(key, value, "") for key, value, _ in FOREIGN]
        members = [("request_id", REQUEST_ID, ""), ("note", note, ""), ("user.id", str(USER), "")]
        header = python.ask({"op": "inject", "members": [list(m) for m in members + plain]})["header"]
        got = rust.ask({"op": "extract", "header": header})
        expected = {
            "fields": {"request_id": REQUEST_ID, "note": ours_read_of_python(note), "user": USER},
            "members": sorted([key, ours_read_of_python(value), ""] for key, value, _ in plain),
        }
        report.check("Python -> ctxlocal", note, header, expected, got)
    ok = len(report.failures) == failures
    report.row(
        f"Python ({PY_PACKAGE})",
        "equal but for Python's documented departures (+ for space, stripped values, "
        "properties in the value)" if ok else "MISMATCH",
    )


def main():
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    rust = rust_peer()
    report = Report()
    with tempfile.TemporaryDirectory(prefix="ctxlocal-interop-") as directory:
        js, skipped = install_js(os.path.join(directory, "js"))
        if js:
            check_js(rust, js, report)
            js.close()
        else:
            print(f"SKIPPED JS: {skipped}")
            report.row("JS", f"SKIPPED ({skipped})")
        python, skipped = install_python(os.path.join(directory, "py"))
        if python:
            check_python(rust, python, report)
            python.close()
        else:
            print(f"SKIPPED Python: {skipped}")
            report.row("Python", f"SKIPPED ({skipped})")
    rust.close()
    for failure in report.failures:
        print(f"MISMATCH {failure}")
    for language, outcome in report.rows:
        print(f"baggage interop: {language}: {outcome}")
    if report.failures:
        print(f"FAIL: {len(report.failures)} mismatches")
        return 1
    print("baggage interop: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
