"""Issue 16, point 5: move a service-principal cluster to a managed identity in the real window, in
demo mode (the in-process simulator).

aks-payments (production, pulls from the registry acrpayments with its service principal's AcrPull)
is moved from its row's "Move…" action: the wizard's pre-flight, the plan (AcrPull for the kubelet
identity on the registry, the node pools' image upgrade), the production name typed, Rekey's native
confirmation (its text written by Rust from the kept plan, saying it cannot be undone), live
progress and the result. The move's journal in the app data folder says it finished.

Then two service-principal clusters ticked on the dashboard (aks-ops-tools, aks-stg-weu) move
together, with a grace period of one hour chosen for their principals' secrets; History lists them,
with their outcome, node pools and when the old secrets go. The next start is a new demo: no move of
the last one is listed.
"""

import json
from pathlib import Path

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


def stage(driver):
    pages = driver.find_elements(*by_testid("migrate-page"))
    return pages[0].get_attribute("data-stage") if pages else None


def nav(driver, label):
    driver.find_element(By.XPATH, f"//nav//*[normalize-space()='{label}']").click()


def wait_dashboard(driver):
    wait = WebDriverWait(driver, 60)
    wait.until(EC.presence_of_element_located(by_testid("cluster-table")))
    wait.until(lambda d: len(rows(d)) == 12)


def move_journals(app_env):
    """Every move's journal as its events, oldest first (by the plan's time: the file names are UUIDs)."""
    folder = Path(app_env["XDG_DATA_HOME"]) / "rekey" / "demo" / "migrations"
    journals = [
        [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        for path in folder.glob("*.jsonl")
    ]
    return sorted(journals, key=lambda events: events[0]["at"] if events else "")


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
    # The same move in az terms: the commands an admin knows, no secret.
    terms = app.find_element(*by_testid("az-terms"))
    terms.find_element(By.TAG_NAME, "summary").click()
    text = wait.until(lambda d: d.find_element(*by_testid("az-terms-text")).text)
    assert "az aks update" in text and "--enable-managed-identity" in text, text
    assert "--node-image-only" in text, text
    app.execute_script("arguments[0].scrollIntoView({block: 'center'})", terms)
    snapshot(app, "migrate-az-terms")
    terms.find_element(By.TAG_NAME, "summary").click()

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


BULK = ["aks-ops-tools", "aks-stg-weu"]


def test_move_several_ticked_clusters_together(app, app_env, dialogs):
    wait = WebDriverWait(app, 60)
    wait_dashboard(app)
    before = len(move_journals(app_env))

    for name in BULK:
        check = row(app, name).find_element(*by_testid("row-check"))
        app.execute_script("arguments[0].scrollIntoView({block: 'center'})", check)
        check.click()
    bulk = app.find_element(*by_testid("migrate-selected"))
    assert "Move 2 to managed identity" in bulk.text, bulk.text
    snapshot(app, "migrate-bulk-dashboard")
    bulk.click()
    wait.until(lambda d: len(d.find_elements(*by_testid("migrate-preflight-cluster"))) == 2)
    assert stage(app) == "preflight"
    planned = sorted(c.get_attribute("data-cluster-name") for c in app.find_elements(*by_testid("migrate-preflight-cluster")))
    assert planned == BULK, planned

    # The principals' secrets: removed one hour after every node pool has moved. A changed choice
    # must be planned again before the plan can be read.
    Select(app.find_element(*by_testid("migrate-retire"))).select_by_value("after")
    grace = app.find_element(*by_testid("migrate-grace"))
    grace.clear()
    grace.send_keys("1")
    assert not app.find_element(*by_testid("migrate-next")).is_enabled(), "the plan on screen was made with other choices"
    app.find_element(*by_testid("migrate-replan")).click()
    wait.until(lambda d: d.find_element(*by_testid("migrate-next")).is_enabled())
    snapshot(app, "migrate-bulk-preflight")

    app.find_element(*by_testid("migrate-next")).click()
    wait.until(lambda d: stage(d) == "plan")
    afters = app.find_elements(*by_testid("migrate-principal-after"))
    assert len(afters) == 2 and all("1 h after every node pool has moved" in a.text for a in afters), [a.text for a in afters]
    snapshot(app, "migrate-bulk-plan")

    app.find_element(*by_testid("migrate-next")).click()
    wait.until(lambda d: stage(d) == "confirm")
    # Neither cluster is tagged production: nothing to type, Rust still asks natively.
    assert not app.find_elements(*by_testid("migrate-confirm-input"))
    start = app.find_element(*by_testid("migrate-start"))
    assert start.is_enabled()
    assert "2 clusters" in app.find_element(*by_testid("migrate-confirm")).text
    dialogs.confirm("accept")
    mark = len(dialogs.asked())
    start.click()
    asked = dialogs.wait_asked(mark + 1)[mark:]
    confirms = [a for a in asked if a.get("kind") == "confirm"]
    assert confirms, f"no native confirmation before the moves started: {asked}"
    text = dialog_text(confirms[0])
    assert all(name in text for name in BULK) and "cannot be undone" in text, text

    WebDriverWait(app, 60, poll_frequency=0.1).until(lambda d: stage(d) in ("progress", "result"))
    if stage(app) == "progress":
        boxes = sorted(b.get_attribute("data-cluster-name") for b in app.find_elements(*by_testid("migrate-progress-move")))
        assert boxes == BULK, boxes
    snapshot(app, "migrate-bulk-progress")
    WebDriverWait(app, 600).until(lambda d: stage(d) == "result")
    snapshot(app, "migrate-bulk-result")
    results = {r.get_attribute("data-cluster-name"): r for r in app.find_elements(*by_testid("migrate-result-move"))}
    assert sorted(results) == BULK, list(results)
    for name, r in results.items():
        # The grace period runs: the principal's secrets are still there, due in an hour.
        assert r.get_attribute("data-outcome") == "retirePending", (name, r.text)
        assert "removed after" in r.text, r.text

    journals = move_journals(app_env)
    assert len(journals) == before + 2, len(journals)
    moved = {events[0]["plan"]["name"]: events for events in journals[-2:] if events[0]["type"] == "planned"}
    assert sorted(moved) == BULK, list(moved)
    history_lists_every_move(app, app_env)


def test_a_new_demo_lists_no_move_of_the_last_one(app, app_env):
    """Each start of the app is a new simulated world: the moves of the last demo (the tests above)
    are gone from its folder and from History, as its rotations are."""
    wait_dashboard(app)
    assert not move_journals(app_env), "the last demo's move journals were kept"
    nav(app, "History")
    # An empty list is the page's empty state (RecordTable shows no table then).
    page = WebDriverWait(app, 60).until(
        lambda d: next((p for p in d.find_elements(*by_testid("history-page")) if "No move yet" in p.text), None)
    )
    assert not app.find_elements(*by_testid("move-row")), page.text


def history_lists_every_move(app, app_env):
    """History shows each move the journals hold beside the rotations, in the same table style: this
    demo's moves (a new demo starts without the last one's, below)."""
    wait = WebDriverWait(app, 60)
    journals = move_journals(app_env)
    assert journals, "no move journal"
    names = sorted(events[0]["plan"]["name"] for events in journals)

    nav(app, "History")
    wait.until(lambda d: len(d.find_elements(*by_testid("move-row"))) == len(journals))
    listed = {r.get_attribute("data-cluster-name"): r for r in app.find_elements(*by_testid("move-row"))}
    assert sorted(listed) == names, (sorted(listed), names)
    for name, r in listed.items():
        assert r.get_attribute("data-outcome") in ("succeeded", "retirePending"), (name, r.text)
        # Nothing is due: no Resume on the row, and no resume banner at start.
        assert not r.find_elements(*by_testid("move-resume")), (name, r.text)
    for name in BULK:
        assert "Moved; old secrets retire later" in listed[name].text, listed[name].text
        assert "removed after" in listed[name].text, listed[name].text
    assert not app.find_elements(*by_testid("move-resume-banner"))

    # The moves' heading at the top of the screenshot (it stands before the table's frame).
    table = app.find_element(*by_testid("move-list"))
    app.execute_script("arguments[0].parentElement.previousElementSibling.scrollIntoView({block: 'start'})", table)
    snapshot(app, "migrate-history")
