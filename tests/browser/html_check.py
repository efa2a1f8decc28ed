#!/usr/bin/env python3
"""Browser test of `tollgate check -o html`: opens the page in headless Chromium through
ChromeDriver (the W3C WebDriver protocol, spoken here with the standard library only), and
checks that it loads without console errors, that the charts and the findings table hold
the numbers of the JSON result of the same run, that the filters work, and takes a
screenshot.

    python3 tests/browser/html_check.py PAGE.html RESULT.json [--screenshot OUT.png]
                                        [--tollgate BIN]

RESULT.json is `-o json` of the same run: the expected numbers are computed from it here,
independently of the page's own code. With --tollgate, a second page is made from a report
full of markup and script in names, ids, groups and regions, and the test checks that none
of it runs or becomes an element. Exits non-zero with a reason on any failure.
"""

import argparse
import base64
import collections
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

CHROME_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
    "--window-size=1280,1600",
]


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


class Driver:
    """Just enough of a WebDriver client: a session, navigation, scripts, logs, screenshots."""

    def __init__(self, chromedriver, chromium):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.proc = subprocess.Popen(
            [chromedriver, f"--port={self.port}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.base = f"http://127.0.0.1:{self.port}"
        self.profile = tempfile.mkdtemp(prefix="tollgate-chromium-")
        deadline = time.time() + 20
        while True:
            try:
                if self.call("GET", "/status")["ready"]:
                    break
            except (urllib.error.URLError, ConnectionError):
                pass
            check(time.time() < deadline, "chromedriver did not start within 20 s")
            time.sleep(0.1)
        caps = {
            "capabilities": {
                "alwaysMatch": {
                    "browserName": "chrome",
                    "goog:chromeOptions": {
                        "binary": chromium,
                        "args": CHROME_ARGS + [f"--user-data-dir={self.profile}"],
                    },
                    "goog:loggingPrefs": {"browser": "ALL"},
                }
            }
        }
        self.session = self.call("POST", "/session", caps)["sessionId"]

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            self.base + path, data=data, method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(req, timeout=120) as resp:
                return json.loads(resp.read())["value"]
        except urllib.error.HTTPError as e:
            raise Failure(f"WebDriver {method} {path}: {e.read().decode(errors='replace')}")

    def s(self, method, path, body=None):
        return self.call(method, f"/session/{self.session}{path}", body)

    def run(self, script, *args):
        return self.s("POST", "/execute/sync", {"script": script, "args": list(args)})

    def logs(self):
        # ChromeDriver's log endpoint (not in the W3C protocol): browser console entries.
        return self.s("POST", "/se/log", {"type": "browser"})

    def close(self):
        try:
            self.s("DELETE", "")
        except Exception:
            pass
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.profile, ignore_errors=True)


def expected(result):
    """What the page should show, computed from the JSON result."""
    findings = result["findings"]
    worst = {}
    rank = {s: i for i, s in enumerate(["critical", "high", "medium", "low", "info"])}
    report_level = 0
    for f in findings:
        r = f["resource"]
        if r["kind"] == "report":
            report_level += 1
            continue
        key = (f["location"]["file"], r["id"])
        prev = worst.get(key)
        if prev is None or rank[f["severity"]] < rank[prev[0]]:
            worst[key] = (f["severity"], r["group"], r["region"])
    groups = collections.Counter((g or "(no group)") for _, g, _ in worst.values())
    regions = collections.Counter((g or "(no region)") for _, _, g in worst.values())
    rules = collections.Counter(f["rule"] for f in findings)
    return {
        "total": len(findings),
        "blocking": sum(1 for f in findings if f["status"] == "blocking"),
        "waived": sum(1 for f in findings if f["status"] == "waived"),
        "baseline": sum(1 for f in findings if f["status"] == "baseline"),
        "chart-group": dict(groups),
        "chart-region": dict(regions),
        "chart-rule": dict(rules),
        "report_level": report_level,
    }


READ_PAGE = """
const bars = id => Array.from(document.querySelectorAll('#' + id + ' svg g.bar'))
  .map(g => [g.getAttribute('data-label'), Number(g.getAttribute('data-total')),
             g.querySelectorAll('rect').length]);
const total = cls => document.querySelector('#tile-' + cls + ' .tile-total').textContent;
return {
  ready: document.readyState,
  banner: document.querySelector('.banner').className,
  headline: document.getElementById('verdict').textContent,
  tiles: {blocking: total('blocking'), warning: total('warning'), waived: total('waived'),
          baseline: total('baseline')},
  charts: {'chart-group': bars('chart-group'), 'chart-region': bars('chart-region'),
           'chart-rule': bars('chart-rule')},
  svgTitles: Array.from(document.querySelectorAll('figure.chart svg > title')).map(t => t.textContent),
  rows: document.querySelectorAll('#rows tr').length,
  firstStatus: (document.querySelector('#rows tr td:last-child .status') || {}).textContent,
  shown: document.getElementById('shown').textContent,
  controlsVisible: !document.getElementById('filters').hidden,
  reports: document.querySelectorAll('#reports tbody tr').length,
  policies: document.querySelectorAll('#policies tbody tr').length,
  height: document.documentElement.scrollHeight,
};
"""

SET_FILTER = """
const [id, value] = arguments;
const el = document.getElementById(id);
el.value = value;
el.dispatchEvent(new Event(id === 'q' ? 'input' : 'change'));
"""

COUNT_ROWS = "return [document.querySelectorAll('#rows tr').length, document.getElementById('shown').textContent];"


def wait_rows(driver, want, what):
    deadline = time.time() + 10
    while True:
        rows, shown = driver.run(COUNT_ROWS)
        if rows == want:
            return shown
        check(time.time() < deadline, f"{what}: {rows} table rows, expected {want} ({shown!r})")
        time.sleep(0.1)


# Text from a report that would run or add elements if the page let it through.
HOSTILE = {
    "name": "<img src=x onerror=\"window.pwned=1\"><script>window.pwned=2</script> & \"q\" 'a' </script><!--",
    "id": "i-\"><svg onload=\"window.pwned=3\">",
    "region": "</title></desc><script>window.pwned=4</script>",
}


def hostile(driver, tollgate, workdir):
    """A page made from hostile text: the text shows as text, and nothing of it runs."""
    report = os.path.join(workdir, "hostile.json")
    page = os.path.join(workdir, "hostile.html")
    node = {
        "instance_id": HOSTILE["id"], "name": HOSTILE["name"], "group": "prod",
        "region": HOSTILE["region"],
        "non_compliant_summary": {"non_compliant_count": 1, "severity_summary": {"critical_count": 1}},
    }
    with open(report, "w") as f:
        json.dump({"count": 1, "instance_compliant": [node]}, f)
    run = subprocess.run(
        [tollgate, "check", "-r", report, "-p", "policies/patch/prod-no-critical.rhai",
         "--now", "2026-11-23T12:00:00Z", "-o", "html=" + page],
        capture_output=True, text=True,
    )
    check(run.returncode == 1, f"hostile report: tollgate exited {run.returncode}: {run.stderr}")
    driver.s("POST", "/url", {"url": "file://" + os.path.abspath(page)})
    try:
        text = driver.s("GET", "/alert/text")
        raise Failure(f"the hostile page opened a dialog: {text!r}")
    except Failure as e:
        check("no such alert" in str(e), str(e))
    seen = driver.run("""return {
      pwned: window.pwned === undefined ? null : window.pwned,
      scripts: document.scripts.length,
      images: document.querySelectorAll('img').length,
      handlers: document.querySelectorAll('[onload],[onerror]').length,
      name: document.querySelector('#rows .name').textContent,
      id: document.querySelector('#rows .id').textContent,
      region: document.querySelector('#rows td:nth-child(5)').textContent,
      bar: document.querySelector('#chart-region g.bar').getAttribute('data-label'),
    };""")
    check(seen["pwned"] is None, f"text from the report ran: window.pwned = {seen['pwned']}")
    check(seen["scripts"] == 2, f"{seen['scripts']} script elements, expected the page's 2")
    check(seen["images"] == 0 and seen["handlers"] == 0, f"report text became elements: {seen}")
    for key in ("name", "id", "region"):
        check(seen[key] == HOSTILE[key], f"the {key} is not shown as text: {seen[key]!r}")
    check(seen["bar"] == HOSTILE["region"], f"the region bar is labelled {seen['bar']!r}")
    bad = [e for e in driver.logs() if e.get("level") in ("SEVERE", "WARNING")]
    check(not bad, "console errors on the hostile page:\n" + "\n".join(e["message"] for e in bad))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("page")
    ap.add_argument("result")
    ap.add_argument("--screenshot", default="target/html-report.png")
    ap.add_argument("--tollgate", help="the binary, to make and check a page from hostile text")
    ap.add_argument("--chromium", default=shutil.which("chromium") or "chromium")
    ap.add_argument("--chromedriver", default=shutil.which("chromedriver") or "chromedriver")
    args = ap.parse_args()

    with open(args.result) as f:
        want = expected(json.load(f))
    url = "file://" + os.path.abspath(args.page)
    started = time.time()
    driver = Driver(args.chromedriver, args.chromium)
    try:
        driver.s("POST", "/url", {"url": url})
        page = driver.run(READ_PAGE)
        check(page["ready"] == "complete", f"page not loaded: {page['ready']}")

        # The console: no errors, no CSP violations, no failed loads.
        entries = driver.logs()
        bad = [e for e in entries if e.get("level") in ("SEVERE", "WARNING")]
        check(not bad, "console errors or warnings on load:\n" + "\n".join(e["message"] for e in bad))

        check("failed" in page["banner"], f"banner: {page['banner']}")
        check("Gate failed" in page["headline"], f"headline: {page['headline']}")
        check(page["tiles"]["blocking"] == str(want["blocking"]),
              f"blocking tile {page['tiles']['blocking']}, expected {want['blocking']}")
        check(page["tiles"]["waived"] == str(want["waived"]), f"waived tile {page['tiles']}")
        check(page["tiles"]["baseline"] == str(want["baseline"]), f"baseline tile {page['tiles']}")

        for chart in ("chart-group", "chart-region", "chart-rule"):
            drawn = {label: total for label, total, _ in page["charts"][chart]}
            check(drawn == want[chart], f"{chart} draws {drawn}, the result says {want[chart]}")
            for label, _, rects in page["charts"][chart]:
                check(rects >= 1, f"{chart}: bar {label} has no segment")
        check(len(page["svgTitles"]) == 3, f"three charts with titles: {page['svgTitles']}")

        check(page["controlsVisible"], "the script did not show the table's controls")
        first_page = min(want["total"], 100)
        check(page["rows"] == first_page, f"{page['rows']} table rows, expected {first_page}")
        check(page["firstStatus"] == "blocking", f"first row is {page['firstStatus']!r}, not blocking")
        check(f"of {want['total']} findings" in page["shown"], f"shown: {page['shown']!r}")
        check(page["reports"] >= 1 and page["policies"] >= 1, "evidence tables are empty")

        # Filters: the blocking findings, one rule, a search, then back to everything.
        driver.run(SET_FILTER, "f-standing", "blocking")
        shown = wait_rows(driver, min(want["blocking"], 100), "status = blocking")
        check(f"of {want['blocking']} matching" in shown, f"blocking filter: {shown!r}")
        driver.run(SET_FILTER, "f-standing", "")
        rules = driver.run("return Array.from(document.querySelectorAll('#f-rule option')).map(o => [o.value, o.textContent]);")
        rule_value = next(v for v, name in rules if name == "PATCH-001")
        driver.run(SET_FILTER, "f-rule", rule_value)
        wait_rows(driver, want["chart-rule"]["PATCH-001"], "rule = PATCH-001")
        driver.run(SET_FILTER, "f-rule", "")
        driver.run(SET_FILTER, "q", "ecs-prod-db-02 critical")
        wait_rows(driver, 1, "search 'ecs-prod-db-02 critical'")
        driver.run(SET_FILTER, "q", "")
        wait_rows(driver, first_page, "cleared filters")

        # Sorting by severity puts a critical finding first.
        driver.run("document.querySelector('th[data-key=severity] button').click();")
        first_sev = driver.run("return document.querySelector('#rows tr .sev').textContent;")
        check(first_sev == "critical", f"sorted by severity, the first row is {first_sev!r}")
        driver.run("document.querySelector('th[data-key=status] button').click();")

        entries = driver.logs()
        bad = [e for e in entries if e.get("level") in ("SEVERE", "WARNING")]
        check(not bad, "console errors while filtering:\n" + "\n".join(e["message"] for e in bad))
        # The log check itself works: an error the test causes is seen.
        driver.run("console.error('tollgate-probe');")
        check(any("tollgate-probe" in e["message"] for e in driver.logs()),
              "the browser log does not report console errors; the check above proves nothing")

        driver.run("window.scrollTo(0, 0);")
        shot = base64.b64decode(driver.s("GET", "/screenshot"))
        check(shot[:8] == b"\x89PNG\r\n\x1a\n" and len(shot) > 10_000, "no screenshot")
        os.makedirs(os.path.dirname(os.path.abspath(args.screenshot)), exist_ok=True)
        with open(args.screenshot, "wb") as f:
            f.write(shot)

        if args.tollgate:
            hostile(driver, args.tollgate, os.path.dirname(os.path.abspath(args.page)))
    finally:
        driver.close()
    print(
        f"html page OK in {time.time() - started:.1f} s: {want['total']} findings, "
        f"{want['blocking']} blocking, charts match the JSON result, no console errors; "
        f"screenshot {args.screenshot}"
        + ("; hostile text shown as text, none of it ran" if args.tollgate else "")
    )


if __name__ == "__main__":
    try:
        main()
    except Failure as e:
        print(f"html page check FAILED: {e}", file=sys.stderr)
        sys.exit(1)
