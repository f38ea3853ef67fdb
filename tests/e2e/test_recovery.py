"""Scenarios 5 and 6 of issue 9, against a simulator that outlives the app (`rekey-sim serve`), signed
in as a service principal on a custom cloud, as an admin of a private cloud would be:

5. The Azure operation of a rotation fails (injected in the simulator): the window explains it in plain
   words, the cluster is still on its old secret, and Retry finishes the rotation.
6. The app is killed while Azure runs the reset, and started again: the unfinished rotation is offered,
   and resuming it follows the same operation to the end (no second reset) and retires the old secret.

Each asserts what the window shows and what the simulator's state says afterwards.
"""

import json
import os
import signal
import ssl
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.file_detector import UselessFileDetector
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

from conftest import ROOT, Dialogs, _new_session, dialog_text, save_ipc, snapshot

SIM = Path(os.environ.get("REKEY_SIM", ROOT / "target" / "debug" / "rekey-sim"))
CLUSTER = "aks-stg-weu"
APP_NAME = "aks-stg-sp"


def by_testid(name):
    return (By.CSS_SELECTOR, f'[data-testid="{name}"]')


def stage(driver):
    pages = driver.find_elements(*by_testid("rotate-page"))
    return pages[0].get_attribute("data-stage") if pages else None


class Simulator:
    """`rekey-sim serve` and its control API."""

    def __init__(self, folder: Path, env: dict):
        self.proc = subprocess.Popen(
            [str(SIM), "serve", "--operation-ms", "8000"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            start_new_session=True,
        )
        line = self.proc.stdout.readline()
        self.ready = json.loads(line)
        self.base = self.ready["base_url"]
        self.context = ssl.create_default_context(cafile=self.ready["ca_pem"])
        self.folder = folder

    def call(self, method, path, body=None, token=None, absolute=False):
        url = path if absolute else self.base + path
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Authorization", f"Bearer {token or self.ready['admin_token']}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, context=self.context, timeout=30) as response:
            text = response.read().decode()
            return json.loads(text) if text else None

    def state(self):
        return self.call("GET", "_sim/state")

    def cluster(self, name):
        return next(c for c in self.state()["clusters"] if c["name"] == name)

    def app_keys(self, name):
        state = self.state()
        app = next(a for a in state["applications"] if a["displayName"] == name)
        return {c["keyId"] for c in app["passwordCredentials"]}

    def operations_for(self, name):
        return [o for o in self.state().get("operations", []) if name in json.dumps(o)]

    def admin_secret_file(self) -> Path:
        """A new secret of the demo administrator (Graph addPassword), in a file only we can read."""
        token = self.call("POST", "_sim/token", {"principal": "rekey-demo-admin", "audience": "graph"})["access_token"]
        added = self.call(
            "POST",
            f"v1.0/applications(appId='{self.ready['demo_client_id']}')/addPassword",
            {"passwordCredential": {"displayName": "e2e"}},
            token=token,
        )
        path = self.folder / "sp-secret.txt"
        path.write_text(added["secretText"], encoding="utf-8")
        path.chmod(0o600)
        return path

    def stop(self):
        os.killpg(self.proc.pid, signal.SIGTERM)
        self.proc.wait(timeout=10)


@pytest.fixture(scope="module")
def simulator(tmp_path_factory, app_env):
    sim = Simulator(tmp_path_factory.mktemp("sim"), app_env)
    yield sim
    sim.stop()


@pytest.fixture(scope="module")
def recovery_dialogs(app_env):
    """The admin's answers to Rekey's native dialogs for this module: every confirmation accepted."""
    d = Dialogs(Path(app_env["REKEY_TEST_DIALOGS"]))
    d.reset()
    d.confirm("accept")
    return d


def choose_file(driver, dialogs, testid: str, path: Path):
    """Picks `path` in Rekey's native open-file dialog behind the form's "Choose file…" button
    `testid`; the page learns the file's name only. (A build from before the native file dialogs had
    a text field there: the path is typed.)"""
    field = WebDriverWait(driver, 30).until(EC.presence_of_element_located(by_testid(testid)))
    if field.tag_name.lower() != "button":
        field.clear()
        field.send_keys(str(path))
        return
    dialogs.open_file(path)
    opened = len([a for a in dialogs.asked() if a.get("kind") == "open"])
    field.click()
    try:
        WebDriverWait(driver, 20).until(lambda d: len([a for a in dialogs.asked() if a.get("kind") == "open"]) > opened)
        # textContent: WebKitWebDriver's visible-text of this span can come back empty.
        WebDriverWait(driver, 20).until(
            lambda d: path.name in (d.find_element(*by_testid(f"{testid}-name")).get_attribute("textContent") or ""))
    except TimeoutException:
        snapshot(driver, f"recovery-choose-{testid}-failed")
        field_text = field.find_element(By.XPATH, "./ancestor::div[contains(@class, 'field')][1]").text
        raise AssertionError(f"choosing {path} with {testid} failed; dialogs asked: {dialogs.asked()}; "
                             f"the field shows: {field_text!r}") from None
    dialogs.open_file(None)


@pytest.fixture(scope="module")
def signed_in(tauri_driver, simulator, app_env, recovery_dialogs):
    """Signs the app in as the simulator's administrator, for the module; signs out after it (the other
    suites expect demo mode). The CA file and the secret file are chosen in Rekey's native dialogs."""
    secret_file = simulator.admin_secret_file()
    driver = _new_session(tauri_driver)
    # Paths are typed as text (on a form without file dialogs): Selenium must not upload them as files.
    driver.file_detector = UselessFileDetector()
    wait = WebDriverWait(driver, 60)
    try:
        wait.until(EC.element_to_be_clickable(by_testid("sign-in-button"))).click()
        Select(wait.until(EC.presence_of_element_located(by_testid("cloud-picker")))).select_by_value("custom")
        driver.find_element(*by_testid("method-service-principal")).click()
        fields = {
            "custom-metadata-url": simulator.ready["metadata_url"],
            "sign-in-tenant": simulator.ready["tenant_id"],
            "sp-client-id": simulator.ready["demo_client_id"],
        }
        for testid, value in fields.items():
            box = wait.until(EC.presence_of_element_located(by_testid(testid)))
            box.clear()
            box.send_keys(value)
        choose_file(driver, recovery_dialogs, "custom-ca-file", Path(simulator.ready["ca_pem"]))
        choose_file(driver, recovery_dialogs, "sp-secret-file", secret_file)
        snapshot(driver, "recovery-sign-in")
        driver.find_element(*by_testid("sign-in-submit")).click()
        wait.until(EC.presence_of_element_located(by_testid("account-card")))
        save_ipc(driver, "recovery-sign-in")
    finally:
        driver.quit()
    yield
    # Forget the account: the other suites start in demo mode.
    config = Path(app_env["XDG_CONFIG_HOME"]) / "rekey"
    (config / "accounts.json").unlink(missing_ok=True)
    recovery_dialogs.reset()


def open_clusters(driver):
    wait = WebDriverWait(driver, 90)
    # A new session finds the window still loading: wait for the navigation.
    wait.until(EC.element_to_be_clickable((By.XPATH, "//nav//*[normalize-space()='Clusters']"))).click()
    return wait.until(lambda d: next(
        (r for r in d.find_elements(By.CSS_SELECTOR, '[data-testid="cluster-row"]')
         if r.get_attribute("data-cluster-name") == CLUSTER), False))


def start_rotation(driver, shots, dialogs):
    """Rotate aks-stg-weu with 'retire now', up to the running Azure operation. The admin accepts
    Rekey's native confirmation, which names the cluster (from the plan Rust kept)."""
    wait = WebDriverWait(driver, 60)
    open_clusters(driver).find_element(*by_testid("row-rotate")).click()
    wait.until(lambda d: stage(d) == "options")
    Select(driver.find_element(*by_testid("rotate-retire"))).select_by_value("now")
    wait.until(EC.element_to_be_clickable(by_testid("rotate-plan"))).click()
    wait.until(lambda d: stage(d) == "preflight")
    driver.find_element(*by_testid("rotate-next")).click()
    wait.until(lambda d: stage(d) == "plan")
    driver.find_element(*by_testid("rotate-next")).click()
    wait.until(lambda d: stage(d) == "confirm")
    mark = len(dialogs.asked())
    driver.find_element(*by_testid("rotate-start")).click()
    confirms = [a for a in dialogs.wait_asked(mark + 1)[mark:] if a.get("kind") == "confirm"]
    assert confirms and CLUSTER in dialog_text(confirms[0]), f"the native confirmation must name {CLUSTER}: {confirms}"
    WebDriverWait(driver, 60, poll_frequency=0.1).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, '[data-testid="progress-cluster"] [data-step="resetCluster"][data-status="waiting"]')
    )
    snapshot(driver, f"{shots}-progress")


def test_a_failed_azure_operation_is_explained_and_retry_finishes(tauri_driver, simulator, signed_in, recovery_dialogs):
    old_keys = simulator.app_keys(APP_NAME)
    simulator.call("POST", "_sim/operations/fail-next", {"count": 1})
    driver = _new_session(tauri_driver)
    try:
        start_rotation(driver, "recovery-failed", recovery_dialogs)
        wait = WebDriverWait(driver, 120)
        wait.until(lambda d: stage(d) == "result")
        outcome = driver.find_element(*by_testid("result-outcome")).text
        message = driver.find_element(*by_testid("result-message")).text
        snapshot(driver, "recovery-failed-result")
        assert "fail" in outcome.lower(), outcome
        # Azure's words, and what it means for the cluster, in plain language.
        assert "operation failed" in message.lower(), message
        assert "old secret was kept" in message.lower(), message
        assert old_keys <= simulator.app_keys(APP_NAME), "the old secret must survive a failed rotation"

        driver.find_element(*by_testid("result-retry")).click()
        wait.until(lambda d: stage(d) == "result" and "succeed" in d.find_element(*by_testid("result-outcome")).text.lower())
        snapshot(driver, "recovery-retried-result")
        save_ipc(driver, "recovery-failed-and-retried")
    finally:
        driver.quit()
    cluster = simulator.cluster(CLUSTER)
    keys = simulator.app_keys(APP_NAME)
    assert cluster["provisioningState"] == "Succeeded", cluster
    assert cluster["currentKeyId"] in keys, (cluster, keys)
    assert not (old_keys & keys), "retire now: the old secret is gone once the cluster is verified"


def test_killed_during_the_azure_operation_the_restarted_app_finishes_the_rotation(tauri_driver, simulator, signed_in, app_env, recovery_dialogs):
    old_keys = simulator.app_keys(APP_NAME)
    journals = Path(app_env["XDG_DATA_HOME"]) / "rekey" / "rotations"
    known = set(journals.glob("*.jsonl"))
    driver = _new_session(tauri_driver)
    try:
        start_rotation(driver, "recovery-killed", recovery_dialogs)
        (journal,) = set(journals.glob("*.jsonl")) - known
        rotation_id = journal.stem
        resets_before = len(simulator.operations_for(CLUSTER))
        # Quit hard while Azure runs the reset: no chance to tidy up.
        subprocess.run(["pkill", "-9", "-f", "target/debug/rekey-app"], check=False)
    finally:
        try:
            driver.quit()
        except Exception:  # noqa: BLE001 - the app is gone; the session goes with it
            pass
    assert simulator.cluster(CLUSTER)["provisioningState"] == "Updating"

    driver = _new_session(tauri_driver)
    try:
        wait = WebDriverWait(driver, 90)
        banner = wait.until(EC.presence_of_element_located(by_testid("resume-banner")))
        assert CLUSTER in banner.text, banner.text
        snapshot(driver, "recovery-resume-offered")
        driver.find_element(*by_testid("resume-rotations")).click()
        driver.find_element(By.XPATH, "//nav//*[normalize-space()='History']").click()
        try:
            wait.until(lambda d: any(
                r.get_attribute("data-rotation-id") == rotation_id and r.get_attribute("data-outcome") == "succeeded"
                for r in d.find_elements(*by_testid("rotation-row"))))
        except Exception:
            snapshot(driver, "recovery-resume-stuck")
            print(journal.read_text(encoding="utf-8")[-3000:])
            raise
        snapshot(driver, "recovery-resumed-history")
        save_ipc(driver, "recovery-resumed")
    finally:
        driver.quit()
    cluster = simulator.cluster(CLUSTER)
    keys = simulator.app_keys(APP_NAME)
    assert cluster["provisioningState"] == "Succeeded", cluster
    assert cluster["currentKeyId"] in keys and not (old_keys & keys), (cluster, keys, old_keys)
    assert len(simulator.operations_for(CLUSTER)) == resets_before, "resuming followed the operation, it did not reset again"
