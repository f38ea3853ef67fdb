"""Issue 16, point 5: move a service-principal cluster to a managed identity in the real window, in
demo mode (the in-process simulator).

aks-payments (production, pulls from the registry acrpayments with its service principal's AcrPull)
is moved from its row's "Move…" action: the wizard's pre-flight, the plan (AcrPull for the kubelet
identity on the registry, the node pools' image upgrade), the production name typed, Rekey's native
confirmation (its text written by Rust from the kept plan, saying it cannot be undone), live
progress and the result. The move's journal in the app data folder says it finished.
"""

import json
from pathlib import Path

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from conftest import dialog_text, snapshot


def by_testid(name):
    return (By.CSS_SELECTOR, f'[data-testid="{name}"]')


def row(driver, name):
    return driver.find_element(By.CSS_SELECTOR, f'[data-testid="cluster-row"][data-cluster-name="{name}"]')


def rows(driver):
    return driver.find_elements(By.CSS_SELECTOR, '[data-testid="cluster-row"]')


def stage(driver):
    pages = driver.find_elements(*by_testid("migrate-page"))
    return pages[0].get_attribute("data-stage") if pages else None


def move_journals(app_env):
    folder = Path(app_env["XDG_DATA_HOME"]) / "rekey" / "demo" / "migrations"
    return [
        [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        for path in sorted(folder.glob("*.jsonl"))
    ]


def test_move_a_registry_cluster_to_managed_identity(app, app_env, dialogs):
    wait = WebDriverWait(app, 60)
    wait.until(EC.presence_of_element_located(by_testid("cluster-table")))
    wait.until(lambda d: len(rows(d)) == 12)
    count = app.find_element(*by_testid("movable-count"))
    assert "could stop needing rotation" in count.text, count.text
    snapshot(app, "migrate-dashboard")

    move = row(app, "aks-payments").find_element(*by_testid("row-migrate"))
    app.execute_script("arguments[0].scrollIntoView({block: 'center', inline: 'end'})", move)
    move.click()
    wait.until(lambda d: d.find_elements(*by_testid("migrate-preflight-cluster")))
    assert stage(app) == "preflight"
    snapshot(app, "migrate-preflight")

    app.find_element(*by_testid("migrate-next")).click()
    wait.until(lambda d: stage(d) == "plan")
    grants = app.find_elements(*by_testid("migrate-grant"))
    acr = [g for g in grants if g.get_attribute("data-role") == "AcrPull"]
    assert acr and acr[0].get_attribute("data-who") == "kubelet", [g.text for g in grants]
    assert "acrpayments" in acr[0].text, acr[0].text
    assert app.find_elements(*by_testid("migrate-pool")), "no node pool upgrade in the plan"
    snapshot(app, "migrate-plan")

    app.find_element(*by_testid("migrate-next")).click()
    wait.until(lambda d: stage(d) == "confirm")
    assert "cannot be undone" in app.find_element(*by_testid("migrate-irreversible")).text
    start = app.find_element(*by_testid("migrate-start"))
    assert not start.is_enabled(), "a production cluster must be named first"
    app.find_element(By.CSS_SELECTOR, '[data-testid="migrate-confirm-input"][data-cluster-name="aks-payments"]').send_keys(
        "aks-payments"
    )
    snapshot(app, "migrate-confirm")

    dialogs.confirm("accept")
    mark = len(dialogs.asked())
    start.click()
    asked = dialogs.wait_asked(mark + 1)[mark:]
    confirms = [a for a in asked if a.get("kind") == "confirm"]
    assert confirms, f"no native confirmation before the move started: {asked}"
    text = dialog_text(confirms[0])
    assert "aks-payments" in text and "cannot be undone" in text, text

    WebDriverWait(app, 60, poll_frequency=0.1).until(lambda d: stage(d) in ("progress", "result"))
    snapshot(app, "migrate-progress")
    WebDriverWait(app, 600).until(lambda d: stage(d) == "result")
    snapshot(app, "migrate-result")
    result = app.find_element(*by_testid("migrate-result-move"))
    assert result.get_attribute("data-outcome") in ("succeeded", "retirePending"), result.text

    (events,) = move_journals(app_env)
    assert events[0]["type"] == "planned", events[0]
    assert events[0]["plan"]["name"] == "aks-payments"
