"""Scenario 1 (skeleton): the app starts in demo mode and the table shows the simulator's clusters."""

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from conftest import snapshot


def rows(driver):
    return driver.find_elements(By.CSS_SELECTOR, '[data-testid="cluster-row"]')


def test_demo_start_shows_the_simulated_clusters(app, simulator_truth):
    wait = WebDriverWait(app, 60)
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, '[data-testid="cluster-table"]')))
    wait.until(lambda d: len(rows(d)) == len(simulator_truth))

    shown = sorted(r.get_attribute("data-cluster-name") for r in rows(app))
    assert shown == sorted(c["name"] for c in simulator_truth)
    assert len(shown) == 12

    banner = app.find_element(By.CSS_SELECTOR, '[data-testid="demo-banner"]')
    assert banner.is_displayed()
    assert "simulated" in banner.text.lower()

    count = app.find_element(By.CSS_SELECTOR, '[data-testid="cluster-count"]').text
    assert count == "12 clusters in 3 subscriptions"

    # A row shows what ARM said about that cluster, not placeholder text.
    # (textContent: a cell cut short with an ellipsis still holds the whole value.)
    legacy = app.find_element(By.CSS_SELECTOR, '[data-cluster-name="aks-portal-legacy"]').get_attribute("textContent")
    assert "Contoso Production" in legacy
    assert "rg-portal" in legacy
    assert "Legacy AAD" in legacy
    stopped = app.find_element(By.CSS_SELECTOR, '[data-cluster-name="aks-stg-batch"]').get_attribute("textContent")
    assert "Stopped" in stopped

    # Expiry as the simulator's directory says: aks-ci-sp's only secret expired 12 days ago.
    ci = app.find_element(By.CSS_SELECTOR, '[data-cluster-name="aks-ci-runners"]')
    assert ci.get_attribute("data-bucket") == "expired"
    counts = {c.get_attribute("data-bucket"): int(c.get_attribute("data-count"))
              for c in app.find_elements(By.CSS_SELECTOR, '[data-testid="bucket-card"]')}
    assert counts == {"expired": 2, "critical": 2, "warning": 2, "notice": 1, "unknown": 0, "ok": 2, "autoRotated": 3}
    snapshot(app, "demo-dashboard")


def test_the_webview_has_no_global_tauri_object(app):
    WebDriverWait(app, 60).until(lambda d: len(rows(d)) > 0)
    # withGlobalTauri is false: page scripts cannot reach the IPC through window.__TAURI__.
    assert app.execute_script("return typeof window.__TAURI__") == "undefined"
