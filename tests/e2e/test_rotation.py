"""Scenarios 3 and 4 of issue 9: rotation in the real window, in demo mode (the in-process simulator).

3. Rotate one expiring cluster (aks-stg-weu, 25 days left) with the default mode: the wizard's
   pre-flight and plan, live progress, success; then the cluster's expiry moves, History shows the
   rotation, the Vault lists the new secret, and the old secret is still in Azure (the default retire
   policy keeps it 24 h).
4. Bulk: tick aks-stg-weu and aks-prod-weu; the plan adds aks-prod-weu-2 (it shares aks-prod-weu's
   service principal), both production clusters must be named to confirm, and with "retire now" the
   shared principal's old secret goes once both its clusters are on the new one.

The simulator runs inside the app, so its state is checked through what the app reads from it (the
credentials of each application in the detail drawer, which come from the simulator's Graph) and
through the files demo-mode rotations write in the app data folder: the journal (which key ID each
cluster was verified on) and the vault index (which secret is kept, for which clusters).
"""

import json
import time
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

from conftest import dialog_text, snapshot


def by_testid(name):
    return (By.CSS_SELECTOR, f'[data-testid="{name}"]')


def row(driver, name):
    return driver.find_element(By.CSS_SELECTOR, f'[data-testid="cluster-row"][data-cluster-name="{name}"]')


def rows(driver):
    return driver.find_elements(By.CSS_SELECTOR, '[data-testid="cluster-row"]')


def nav(driver, label):
    driver.find_element(By.XPATH, f"//nav//*[normalize-space()='{label}']").click()


def stage(driver):
    pages = driver.find_elements(*by_testid("rotate-page"))
    return pages[0].get_attribute("data-stage") if pages else None


def demo_dir(app_env) -> Path:
    """Where demo-mode rotations keep their journals, vault index and audit log."""
    return Path(app_env["XDG_DATA_HOME"]) / "rekey" / "demo"


def journals(app_env):
    """Every rotation journal, as lists of events."""
    folder = demo_dir(app_env) / "rotations"
    out = []
    for path in sorted(folder.glob("*.jsonl")):
        out.append([json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()])
    return out


def vault_index(app_env):
    path = demo_dir(app_env) / "vault-index.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    return data["entries"] if isinstance(data, dict) else data


def credential_keys(driver, name):
    """The key IDs of the password credentials the app read from the simulator for `name`."""
    row(driver, name).click()
    drawer = WebDriverWait(driver, 20).until(
        lambda d: next((e for e in d.find_elements(*by_testid("detail-drawer")) if e.get_attribute("data-cluster-name") == name), False)
    )
    keys = {
        r.get_attribute("data-key-id"): r.get_attribute("data-rating") == "true"
        for r in drawer.find_elements(*by_testid("credential-row"))
    }
    driver.find_element(By.TAG_NAME, "body").send_keys("\ue00c")  # Escape closes the drawer
    WebDriverWait(driver, 10).until(lambda d: not d.find_elements(*by_testid("detail-drawer")))
    return keys


def wait_dashboard(driver):
    wait = WebDriverWait(driver, 60)
    wait.until(EC.presence_of_element_located(by_testid("cluster-table")))
    wait.until(lambda d: len(rows(d)) == 12)


def plan_and_confirm(app, shots: str, az_cluster: str | None = None):
    """From the options to the confirm step, with screenshots of the pre-flight and the plan (and,
    for `az_cluster`, of the plan in Azure CLI terms, which must reset that cluster with no secret)."""
    wait = WebDriverWait(app, 60)
    wait.until(EC.element_to_be_clickable(by_testid("rotate-plan"))).click()
    wait.until(lambda d: stage(d) == "preflight")
    snapshot(app, f"{shots}-preflight")
    app.find_element(*by_testid("rotate-next")).click()
    wait.until(lambda d: stage(d) == "plan")
    snapshot(app, f"{shots}-plan")
    if az_cluster:
        terms = app.find_element(*by_testid("az-terms"))
        terms.find_element(By.TAG_NAME, "summary").click()
        text = wait.until(lambda d: d.find_element(*by_testid("az-terms-text")).text)
        assert f"--name {az_cluster} --reset-service-principal" in text, text
        assert '--client-secret "$SP_SECRET"' in text, text
        app.execute_script("arguments[0].scrollIntoView({block: 'center'})", terms)
        snapshot(app, f"{shots}-az-terms")
        terms.find_element(By.TAG_NAME, "summary").click()
    app.find_element(*by_testid("rotate-next")).click()
    wait.until(lambda d: stage(d) == "confirm")


def start_confirmed(app, dialogs, clusters):
    """Clicks Start; the admin accepts Rekey's native confirmation, whose text (from the plan Rust
    kept, not from the page) names every cluster of the rotation."""
    dialogs.confirm("accept")
    mark = len(dialogs.asked())
    app.find_element(*by_testid("rotate-start")).click()
    asked = dialogs.wait_asked(mark + 1)[mark:]
    confirms = [a for a in asked if a.get("kind") == "confirm"]
    assert confirms, f"no native confirmation before the rotation started: {asked}"
    text = dialog_text(confirms[0])
    for name in clusters:
        assert name in text, f"the native confirmation does not name {name}: {text}"


def follow_progress(app, shots: str):
    """Waits for an Azure operation to be running (screenshot), then for the result."""
    wait = WebDriverWait(app, 120, poll_frequency=0.1)
    wait.until(lambda d: stage(d) in ("progress", "result"))
    try:
        WebDriverWait(app, 30, poll_frequency=0.1).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, '[data-testid="progress-cluster"] [data-step="resetCluster"][data-status="waiting"]')
        )
        snapshot(app, f"{shots}-progress")
    except Exception:  # noqa: BLE001 - the operation may finish between two looks; the result still says it all
        snapshot(app, f"{shots}-progress-late")
    wait.until(lambda d: stage(d) == "result")
    snapshot(app, f"{shots}-result")


def test_rotate_one_expiring_cluster_with_the_default_mode(app, app_env, dialogs):
    wait = WebDriverWait(app, 60)
    wait_dashboard(app)
    assert row(app, "aks-stg-weu").get_attribute("data-bucket") == "warning"
    old_keys = credential_keys(app, "aks-stg-weu")
    assert len(old_keys) == 1, old_keys
    (old_key,) = old_keys

    row(app, "aks-stg-weu").find_element(*by_testid("row-rotate")).click()
    wait.until(lambda d: stage(d) == "options")
    assert app.find_element(*by_testid("rotate-mode-secret")).is_selected()
    wait.until(lambda d: d.find_element(*by_testid("rotate-lifetime")).get_attribute("value") == "180")
    assert Select(app.find_element(*by_testid("rotate-retire"))).first_selected_option.get_attribute("value") == "after"
    snapshot(app, "rotate-one-options")

    plan_and_confirm(app, "rotate-one", az_cluster="aks-stg-weu")
    # Not production: nothing to type.
    assert not app.find_elements(*by_testid("confirm-input"))
    start_confirmed(app, dialogs, ["aks-stg-weu"])
    follow_progress(app, "rotate-one")

    result = app.find_element(*by_testid("result-group"))
    assert result.get_attribute("data-outcome") == "retirePending", result.text
    progress_row = app.find_element(By.CSS_SELECTOR, '[data-testid="progress-cluster"][data-cluster-name="aks-stg-weu"]')
    assert progress_row.get_attribute("data-status") == "done"
    assert app.find_element(*by_testid("operation-elapsed")).text.endswith("s")

    # The journal: the cluster was verified on the new secret, the old one not removed (24 h grace).
    (events,) = journals(app_env)
    kinds = [e["type"] for e in events]
    assert kinds[0] == "planned" and "finished" in kinds, kinds
    created = next(e for e in events if e["type"] == "secretCreated")
    verified = [e for e in events if e["type"] == "clusterVerified"]
    assert [v["cluster"].rsplit("/", 1)[-1] for v in verified] == ["aks-stg-weu"]
    assert verified[0]["keyId"] == created["keyId"]
    assert "oldRemoved" not in kinds
    new_key = created["keyId"]

    # The vault keeps it (metadata in the index; the value in the test's Secret Service).
    entries = vault_index(app_env)
    entry = next(e for e in entries if e["keyId"] == new_key)
    assert [c.rsplit("/", 1)[-1] for c in entry["clusters"]] == ["aks-stg-weu"]

    # Back on the dashboard: the expiry moved, rated on Rekey's new secret; the old one still exists.
    app.find_element(*by_testid("rotate-done")).click()
    wait.until(lambda d: len(rows(d)) == 12 and row(d, "aks-stg-weu").get_attribute("data-bucket") == "ok")
    keys = credential_keys(app, "aks-stg-weu")
    assert set(keys) == {old_key, new_key}, keys
    assert keys[new_key] is True, "the expiry is rated on the new secret"
    snapshot(app, "rotate-one-dashboard-after")

    nav(app, "History")
    history_row = wait.until(lambda d: next(
        (r for r in d.find_elements(*by_testid("rotation-row")) if "aks-stg-weu" in r.text), False))
    assert history_row.get_attribute("data-outcome") == "retirePending"
    assert app.find_elements(By.CSS_SELECTOR, '[data-testid="audit-row"][data-action="rotation.start"]')
    snapshot(app, "rotate-one-history")

    nav(app, "Vault")
    vault_row = wait.until(lambda d: next(
        (r for r in d.find_elements(*by_testid("vault-row")) if r.get_attribute("data-key-id") == new_key), False))
    assert "aks-stg-weu" in vault_row.find_element(*by_testid("vault-clusters")).text
    snapshot(app, "rotate-one-vault")


def test_bulk_rotate_three_clusters_two_sharing_a_principal(app, app_env, dialogs):
    wait = WebDriverWait(app, 60)
    wait_dashboard(app)
    old_prod = set(credential_keys(app, "aks-prod-weu"))
    old_stg = set(credential_keys(app, "aks-stg-weu"))

    row(app, "aks-stg-weu").find_element(*by_testid("row-check")).click()
    row(app, "aks-prod-weu").find_element(*by_testid("row-check")).click()
    bulk = app.find_element(*by_testid("rotate-selected"))
    assert "Rotate 2 selected" in bulk.text
    bulk.click()
    wait.until(lambda d: stage(d) == "options")
    Select(app.find_element(*by_testid("rotate-retire"))).select_by_value("now")

    plan_and_confirm(app, "rotate-bulk")
    # Back to the plan to read it: two groups, aks-prod-weu-2 added because it shares the principal.
    planned = {}
    app.find_element(By.XPATH, "//button[normalize-space()='Back']").click()
    wait.until(lambda d: stage(d) == "plan")
    groups = app.find_elements(*by_testid("plan-group"))
    assert len(groups) == 2
    for r in app.find_elements(*by_testid("plan-cluster")):
        planned[r.get_attribute("data-cluster-name")] = (r.get_attribute("data-added"), r.get_attribute("data-production"))
    assert planned == {
        "aks-prod-weu": ("false", "true"),
        "aks-prod-weu-2": ("true", "true"),
        "aks-stg-weu": ("false", "false"),
    }
    app.find_element(*by_testid("rotate-next")).click()
    wait.until(lambda d: stage(d) == "confirm")

    # Both production clusters must be named exactly.
    start = app.find_element(*by_testid("rotate-start"))
    inputs = {i.get_attribute("data-cluster-name"): i for i in app.find_elements(*by_testid("confirm-input"))}
    assert sorted(inputs) == ["aks-prod-weu", "aks-prod-weu-2"]
    inputs["aks-prod-weu"].send_keys("aks-prod-weu")
    inputs["aks-prod-weu-2"].send_keys("aks-prod-weu")
    assert not start.is_enabled()
    inputs["aks-prod-weu-2"].send_keys("-2")
    wait.until(lambda d: start.is_enabled())
    snapshot(app, "rotate-bulk-confirm")
    start_confirmed(app, dialogs, ["aks-prod-weu", "aks-prod-weu-2", "aks-stg-weu"])
    follow_progress(app, "rotate-bulk")

    results = app.find_elements(*by_testid("result-group"))
    assert sorted(r.get_attribute("data-outcome") for r in results) == ["succeeded", "succeeded"], [r.text for r in results]
    done = {r.get_attribute("data-cluster-name"): r.get_attribute("data-status")
            for r in app.find_elements(*by_testid("progress-cluster"))}
    assert done == {"aks-prod-weu": "done", "aks-prod-weu-2": "done", "aks-stg-weu": "done"}

    # Journals: one new secret for the shared principal, both its clusters verified on it before
    # its old secret was removed.
    by_clusters = {}
    for events in journals(app_env):
        names = sorted(c["name"] for c in events[0]["group"]["clusters"])
        by_clusters[tuple(names)] = events
    assert set(by_clusters) == {("aks-prod-weu", "aks-prod-weu-2"), ("aks-stg-weu",)}
    shared = by_clusters[("aks-prod-weu", "aks-prod-weu-2")]
    kinds = [e["type"] for e in shared]
    assert kinds.count("secretCreated") == 1
    new_prod = next(e for e in shared if e["type"] == "secretCreated")["keyId"]
    verified = [i for i, e in enumerate(shared) if e["type"] == "clusterVerified"]
    removed = [i for i, e in enumerate(shared) if e["type"] == "oldRemoved"]
    assert len(verified) == 2 and all(shared[i]["keyId"] == new_prod for i in verified)
    assert removed and min(removed) > max(verified), kinds
    new_stg = next(e for e in by_clusters[("aks-stg-weu",)] if e["type"] == "secretCreated")["keyId"]

    entries = {e["keyId"]: sorted(c.rsplit("/", 1)[-1] for c in e["clusters"]) for e in vault_index(app_env)}
    assert entries[new_prod] == ["aks-prod-weu", "aks-prod-weu-2"]
    assert entries[new_stg] == ["aks-stg-weu"]

    # The simulator's directory as the app reads it: the old secrets are gone, the new ones rate.
    app.find_element(*by_testid("rotate-done")).click()
    wait.until(lambda d: len(rows(d)) == 12 and all(
        row(d, n).get_attribute("data-bucket") == "ok" for n in ("aks-prod-weu", "aks-prod-weu-2", "aks-stg-weu")))
    for name, old, new in (("aks-prod-weu", old_prod, new_prod), ("aks-prod-weu-2", old_prod, new_prod), ("aks-stg-weu", old_stg, new_stg)):
        keys = credential_keys(app, name)
        assert new in keys and keys[new] is True, (name, keys)
        assert not (old & set(keys)), (name, "old secret still present", keys)
    snapshot(app, "rotate-bulk-dashboard-after")

    nav(app, "History")
    wait.until(lambda d: len([r for r in d.find_elements(*by_testid("rotation-row")) if r.get_attribute("data-outcome") == "succeeded"]) == 2)
    snapshot(app, "rotate-bulk-history")


def test_a_rotation_goes_on_when_the_window_reloads(app, app_env, dialogs):
    """The rotation runs in Rust, not in the web view: a reload (as a window closed to the tray and
    reopened) loses the live view, not the rotation."""
    wait = WebDriverWait(app, 60)
    wait_dashboard(app)
    assert row(app, "aks-portal-legacy").get_attribute("data-bucket") == "expired"
    row(app, "aks-portal-legacy").find_element(*by_testid("row-rotate")).click()
    wait.until(lambda d: stage(d) == "options")
    plan_and_confirm(app, "rotate-reload")
    start_confirmed(app, dialogs, ["aks-portal-legacy"])
    WebDriverWait(app, 30, poll_frequency=0.1).until(lambda d: stage(d) == "progress")
    app.refresh()

    def finished(_):
        found = journals(app_env)
        return found and any(e["type"] == "finished" for e in found[0])

    WebDriverWait(app, 120).until(finished)
    (events,) = journals(app_env)
    assert [e["outcome"] for e in events if e["type"] == "finished"] == ["retirePending"]
    wait_dashboard(app)
    # Nothing to resume: it finished by itself.
    assert not app.find_elements(*by_testid("resume-banner"))
    # The window did not see the end: Rekey refreshes by itself after a rotation. (The cluster's
    # legacy AAD server app has a secret of its own, 20 days left: that one rates it now.)
    wait.until(lambda d: row(d, "aks-portal-legacy").get_attribute("data-bucket") == "warning")
    nav(app, "History")
    wait.until(lambda d: any("aks-portal-legacy" in r.text and r.get_attribute("data-outcome") == "retirePending"
                             for r in d.find_elements(*by_testid("rotation-row"))))
    snapshot(app, "rotate-reload-history")
