"""Fixtures for driving the real Rekey window: tauri-driver, a WebDriver session, screenshots.

The suite must run under an X display (xvfb-run) with a D-Bus session; `.ci/run` and
`tests/run-e2e.sh` set that up. Every wait is bounded: a WebDriver request can hang forever
when the app fails to start, so the session request itself runs under a deadline.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.common.options import ArgOptions
from urllib3.exceptions import ProtocolError

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "target" / "e2e"
APP = Path(os.environ.get("REKEY_APP", ROOT / "target" / "debug" / "rekey-app"))
CLI = Path(os.environ.get("REKEY_CLI", ROOT / "target" / "debug" / "rekey"))
# REKEY_E2E_PORT / REKEY_E2E_NATIVE_PORT move tauri-driver and its WebKitWebDriver, so that two
# runs on one machine do not serve each other.
PORT = int(os.environ.get("REKEY_E2E_PORT", "4444"))
NATIVE_PORT = int(os.environ.get("REKEY_E2E_NATIVE_PORT", str(PORT + 1)))
# For the leak test: every secret the simulators issued during the run (outside the folders it
# searches), everything the app printed, and the window's recorded IPC traffic.
ISSUED_SECRETS = Path(tempfile.gettempdir()) / f"rekey-e2e-issued-{os.getpid()}.txt"
APP_LOG = ARTIFACTS / "app.log"
IPC_LOGS = ARTIFACTS / "ipc"
PAGE_TEXT = ARTIFACTS / "page-text"
# The hostile-window suite: everything its stand-in attacker server received, its table of attacks,
# and further folders the leak test searches (that suite's own app home).
ATTACKER_LOG = ARTIFACTS / "attacker-requests.jsonl"
HOSTILE_TABLE = ARTIFACTS / "hostile-table.txt"
EXTRA_LEAK_ROOTS: list[Path] = []
_SESSION_STARTED = time.time()


class Dialogs:
    """The app's test hook for native dialogs (REKEY_TEST_DIALOGS, debug builds only): instead of a
    dialog, each confirmation is recorded in `asked.jsonl` and answered from the file `confirm`
    (`accept` or `deny`; missing = deny); each open-file dialog is recorded and answered with the
    path in `open-file` (missing or empty = cancelled); the reveal dialog is recorded only."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def reset(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        for name in ("confirm", "open-file", "asked.jsonl"):
            (self.folder / name).unlink(missing_ok=True)

    def confirm(self, answer: str | None) -> None:
        """`accept`, `deny`, or None (no answer file: the hook denies)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / "confirm"
        if answer is None:
            path.unlink(missing_ok=True)
        else:
            path.write_text(answer, encoding="utf-8")

    def open_file(self, path) -> None:
        """The file the admin picks in the next open-file dialog; None cancels it."""
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.folder / "open-file"
        if path is None:
            target.unlink(missing_ok=True)
        else:
            target.write_text(str(path), encoding="utf-8")

    def asked(self) -> list[dict]:
        path = self.folder / "asked.jsonl"
        if not path.exists():
            return []
        out = []
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                try:
                    out.append(json.loads(line))
                except ValueError:
                    out.append({"kind": "unparsable", "message": line})
        return out

    def wait_asked(self, count: int, timeout: float = 20) -> list[dict]:
        """Waits until at least `count` dialogs were recorded; returns them all."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.asked()
            if len(found) >= count:
                return found
            time.sleep(0.1)
        return self.asked()


def dialog_text(record: dict) -> str:
    return f"{record.get('title') or ''}\n{record.get('message') or ''}"


def _wait_port(port: int, deadline: float) -> None:
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"tauri-driver did not listen on {port}")


@pytest.fixture(scope="session")
def app_env():
    """A throwaway HOME and XDG folders, so the app's WebKit data never touches the user's."""
    home = Path(tempfile.mkdtemp(prefix="rekey-e2e-home-"))
    env = dict(os.environ)
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_DATA_HOME=str(home / ".local/share"),
        XDG_CACHE_HOME=str(home / ".cache"),
        # The sign-in page opens in the stand-in browser, which completes it as a person would.
        REKEY_BROWSER=str(Path(__file__).with_name("fake_browser.py")),
        REKEY_E2E_BROWSER_LOG=str(home / "browser.log"),
        # For the leak test: the window's IPC traffic is recorded (debug builds only), every secret a
        # simulator makes is listed (outside the folders searched), and Rekey logs in detail.
        REKEY_RECORD_IPC="1",
        REKEY_SIM_RECORD_SECRETS=str(ISSUED_SECRETS),
        REKEY_LOG="info,rekey_core=debug,rekey_app_lib=debug",
        # Native dialogs are answered by the tests (see Dialogs); without an answer the hook denies.
        REKEY_TEST_DIALOGS=str(home / "dialogs"),
        # Without a GPU the app turns WebKitGTK's DMA-BUF renderer off (src-tauri/src/renderer.rs);
        # on that shared-memory path WebKitWebDriver's screenshot hangs after a window resize (seen
        # 2026-12-08 in test_every_page_fits_1024_pixels). The suite keeps the DMA-BUF renderer,
        # which desktops with a GPU use; an explicit 0 is left alone by the app.
        WEBKIT_DISABLE_DMABUF_RENDERER="0",
    )
    yield env
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def browser_log(app_env):
    path = Path(app_env["REKEY_E2E_BROWSER_LOG"])
    return lambda: path.read_text(encoding="utf-8") if path.exists() else ""


@pytest.fixture(scope="session")
def tauri_driver(app_env):
    assert APP.exists(), f"build the app first: {APP} is missing"
    driver_bin = shutil.which("tauri-driver") or str(Path.home() / ".cargo/bin/tauri-driver")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    # The app's stdout and stderr (its log) for the whole run, searched by the leak test.
    app_log = open(APP_LOG, "w", encoding="utf-8")  # noqa: SIM115 - closed with the driver
    with socket.socket() as s:
        if s.connect_ex(("127.0.0.1", PORT)) == 0:
            pytest.fail(f"port {PORT} is taken: a leftover tauri-driver would serve this run")
    proc = subprocess.Popen(
        [
            driver_bin,
            "--port",
            str(PORT),
            "--native-port",
            str(NATIVE_PORT),
            "--native-driver",
            shutil.which("WebKitWebDriver") or "WebKitWebDriver",
        ],
        env=app_env,
        start_new_session=True,
        stdout=app_log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_port(PORT, time.monotonic() + 20)
        yield f"http://127.0.0.1:{PORT}"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        app_log.close()


def _new_session(url: str) -> webdriver.Remote:
    options = ArgOptions()
    options.set_capability("browserName", "wry")
    options.set_capability("tauri:options", {"application": str(APP)})
    # The session request hangs if the app cannot open a window: bound it.
    signal.signal(signal.SIGALRM, lambda *_: (_ for _ in ()).throw(TimeoutError("WebDriver session request hung")))
    # tauri-driver listens before its WebKitWebDriver is ready and may drop the first request: retry a little.
    for attempt in range(3):
        signal.alarm(90)
        try:
            return webdriver.Remote(command_executor=url, options=options)
        except (ProtocolError, ConnectionError) as e:
            if attempt == 2:
                raise
            print(f"WebDriver session request failed ({e}); retrying")
            time.sleep(2)
        finally:
            signal.alarm(0)
    raise AssertionError("unreachable")


def snapshot(driver, name: str) -> None:
    """Saves the web view (WebDriver) and the whole X screen (the real window as a user sees it).

    The DOM can be ahead of what is painted: wait for two animation frames first.
    """
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 300)));"
    )
    driver.save_screenshot(str(ARTIFACTS / f"{name}.png"))
    # The text on the page at that moment, for the leak test.
    PAGE_TEXT.mkdir(parents=True, exist_ok=True)
    (PAGE_TEXT / f"{name}.txt").write_text(driver.execute_script("return document.body.innerText") or "", encoding="utf-8")
    if shutil.which("import") and os.environ.get("DISPLAY"):
        subprocess.run(["import", "-window", "root", str(ARTIFACTS / f"{name}-screen.png")], timeout=30, check=False)


@pytest.fixture
def dialogs(app_env):
    """The dialog answers of the app session about to start: none given (every confirmation denied)."""
    d = Dialogs(Path(app_env["REKEY_TEST_DIALOGS"]))
    d.reset()
    return d


@pytest.fixture
def app(tauri_driver, request, dialogs):
    driver = _new_session(tauri_driver)
    driver.set_script_timeout(30)
    yield driver
    snapshot(driver, f"{request.node.name}-end")
    save_ipc(driver, request.node.name)
    driver.quit()


def save_ipc(driver, name: str) -> None:
    """Keeps the IPC traffic the window recorded (REKEY_RECORD_IPC) for the leak test."""
    IPC_LOGS.mkdir(parents=True, exist_ok=True)
    log = driver.execute_script("return window.__rekeyIpcLog || null")
    (IPC_LOGS / f"{name}.json").write_text(json.dumps(log), encoding="utf-8")


@pytest.fixture(scope="session")
def simulator_truth():
    """What the simulator's demo tenant holds, read through the CLI (an independent client)."""
    out = subprocess.run([str(CLI), "clusters", "--json"], capture_output=True, timeout=120, check=True)
    return json.loads(out.stdout)


def pytest_terminal_summary(terminalreporter):
    """The hostile-window suite's table in the CI log (it runs without -s)."""
    if HOSTILE_TABLE.exists() and HOSTILE_TABLE.stat().st_mtime >= _SESSION_STARTED:
        terminalreporter.write_sep("=", "hostile window: attacks from the page")
        for line in HOSTILE_TABLE.read_text(encoding="utf-8").splitlines():
            terminalreporter.write_line(line)
