"""Expiry alerts on a Linux desktop: the real app under Xvfb on a private D-Bus session.

- The notification really reaches org.freedesktop.Notifications (a monitor on the bus sees the
  Notify call; dunst, a real notification daemon, shows it on screen for the screenshot).
- The tray icon is a StatusNotifierItem registered with the desktop's watcher (here the test's own),
  red for the demo tenant's expired clusters, with the counts and next expiries in its menu.
- A click on a next expiry in the tray menu opens that cluster; a click on the notification opens
  the cluster with its rotation ready.

The demo tenant's secrets are fixed relative to the simulator's start: with notifications at 7 days
only (settings below), exactly one is due — aks-prod-weu-sp's secret, 4 whole days left, shared by
aks-prod-weu and aks-prod-weu-2.
"""

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from conftest import ARTIFACTS, _new_session, snapshot

from desktop_bus import DesktopBus

HERE = Path(__file__).resolve().parent
EXPIRED_RED = (0x9B, 0x1C, 0x1C)


@pytest.fixture(scope="module")
def desktop(app_env):
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        pytest.fail("no D-Bus session: run the suite under dbus-run-session (scripts/test does)")
    if not shutil.which("dunst"):
        pytest.fail("dunst is missing: scripts/setup-debian.sh test installs it")
    bus = DesktopBus()
    dunst = subprocess.Popen(["dunst", "-config", str(HERE / "dunstrc")], env=app_env, start_new_session=True)
    # Notifications at 7 days only, for one predictable notification.
    settings = Path(app_env["XDG_CONFIG_HOME"]) / "rekey" / "settings.json"
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text(json.dumps({"notifyDays": [7], "notifyExpired": False}), encoding="utf-8")
    try:
        yield bus
    finally:
        settings.unlink(missing_ok=True)
        dunst.terminate()
        try:
            dunst.wait(timeout=10)
        except subprocess.TimeoutExpired:
            dunst.kill()
        bus.close()


@pytest.fixture
def alert_app(desktop, tauri_driver, request):
    """The app, started after the desktop's watcher and notification daemon are up."""
    driver = _new_session(tauri_driver)
    driver.set_script_timeout(30)
    yield driver
    snapshot(driver, f"{request.node.name}-end")
    driver.quit()


def pixel(png: Path, x: int, y: int) -> tuple[int, int, int]:
    out = subprocess.run(
        ["convert", str(png), "-format", f"%[fx:int(255*p{{{x},{y}}}.r)],%[fx:int(255*p{{{x},{y}}}.g)],%[fx:int(255*p{{{x},{y}}}.b)]", "info:"],
        capture_output=True, text=True, timeout=30, check=True,
    )
    r, g, b = (int(v) for v in out.stdout.strip().split(","))
    return r, g, b


def drawer_for(driver, name: str, timeout: float = 30):
    return WebDriverWait(driver, timeout).until(
        lambda d: next(
            (e for e in d.find_elements(By.CSS_SELECTOR, '[data-testid="detail-drawer"]')
             if e.get_attribute("data-cluster-name") == name),
            None,
        )
    )


def test_notification_reaches_the_desktop_and_the_tray_shows_the_worst_bucket(alert_app, desktop):
    wait = WebDriverWait(alert_app, 60)
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, '[data-testid="cluster-row"]')) == 12)

    # The dashboard's first refresh crossed one threshold: one notification, on the desktop's service.
    (notification,) = desktop.wait_notifications(1)
    assert notification["summary"] == "aks-prod-weu (+1 more): secret expires in 4 days"
    assert "Rotate it in Rekey" in notification["body"]
    assert "also used by aks-prod-weu-2" in notification["body"]
    assert "default" in notification["actions"], notification["actions"]
    time.sleep(1)  # dunst draws it
    snapshot(alert_app, "alert-notification")
    time.sleep(2)
    assert len([n for n in desktop.notifications if n["app"] == "Rekey"]) == 1, "each crossing is told once"

    # The tray icon: a StatusNotifierItem, its icon the expired colour, its menu the counts.
    item = desktop.wait_item()
    props = desktop.item_properties(item)
    assert props["Status"] == "Active", props
    deadline = time.monotonic() + 30
    while True:
        # The icon turns from grey (no inventory) to the worst bucket's colour after the refresh.
        props = desktop.item_properties(item)
        # AppIndicator names the icon by its file's path, or by a name in IconThemePath.
        name = props["IconName"]
        icon = Path(name) if name.startswith("/") else Path(props["IconThemePath"]) / f"{name}.png"
        if icon.exists() and pixel(icon, 32, 4) == EXPIRED_RED:
            break
        assert time.monotonic() < deadline, f"tray icon {icon} never turned red: {pixel(icon, 32, 4) if icon.exists() else 'missing'}"
        time.sleep(0.5)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(icon, ARTIFACTS / "tray-icon.png")

    menu_path = props["Menu"]
    items = desktop.menu(item, menu_path)
    (ARTIFACTS / "tray-menu.json").write_text(json.dumps(items, indent=2, ensure_ascii=False), encoding="utf-8")
    labels = [i["label"] for i in items if i["type"] != "separator"]
    for expected in [
        "Open Rekey",
        "Refresh now",
        "Expired: 2",
        "Critical (≤ 7 days): 2",
        "Warning (≤ 30 days): 2",
        "Notice (≤ 90 days): 1",
        "OK: 2 · Auto-rotated: 3 · Unknown: 0",
        "Next expiries",
        "aks-prod-weu — expires in 4 days",
        "Quit Rekey",
    ]:
        assert expected in labels, f"{expected!r} not in the tray menu {labels}"
    # Soonest first, the expired ones before all (12 or 13 whole days ago: the simulator started a
    # moment before the refresh).
    nexts = [label.split(" — ")[0] for label in labels if " — " in label]
    assert nexts == ["aks-ci-runners", "aks-portal-legacy", "aks-prod-weu", "aks-prod-weu-2", "aks-edge-legacy"], labels
    assert any(label.startswith("aks-ci-runners — expired 1") and label.endswith("days ago") for label in labels)
    assert any(label.startswith("Last refreshed") and "(demo tenant)" in label for label in labels), labels

    # A click on a next expiry in the tray menu opens that cluster (no rotation asked).
    portal = next(i for i in items if i["label"].startswith("aks-portal-legacy —"))
    desktop.click(item, menu_path, portal["id"])
    drawer_for(alert_app, "aks-portal-legacy")
    assert not alert_app.find_elements(By.CSS_SELECTOR, '[data-testid="rotate-ready"]')

    # A click on the notification (dunst performs its default action) opens the cluster with its
    # rotation ready.
    subprocess.run(["dunstctl", "action", "0"], timeout=10, check=True)
    drawer_for(alert_app, "aks-prod-weu")
    ready = WebDriverWait(alert_app, 10).until(
        lambda d: d.find_element(By.CSS_SELECTOR, '[data-testid="rotate-ready"]')
    )
    assert "Rotate this cluster's secret" in ready.get_attribute("textContent")
    snapshot(alert_app, "alert-rotate-ready")


def test_settings_are_checked_in_rust_and_saved_to_the_config_folder(alert_app, app_env):
    WebDriverWait(alert_app, 60).until(
        lambda d: len(d.find_elements(By.CSS_SELECTOR, '[data-testid="cluster-row"]')) == 12
    )
    alert_app.find_element(By.XPATH, "//nav//*[normalize-space()='Settings']").click()
    field = WebDriverWait(alert_app, 30).until(
        lambda d: d.find_element(By.CSS_SELECTOR, '[data-testid="refresh-interval"]')
    )
    # The file written by the fixture: notifications at 7 days only, the rest defaults.
    assert alert_app.find_element(By.CSS_SELECTOR, '[data-testid="notify-days"]').get_attribute("value") == "7"
    assert field.get_attribute("value") == "6"

    # A bad value: a message next to the field, nothing written.
    field.clear()
    field.send_keys("0")
    concurrency = alert_app.find_element(By.CSS_SELECTOR, '[data-testid="rotation-concurrency"]')
    concurrency.clear()
    concurrency.send_keys("lots")
    alert_app.find_element(By.CSS_SELECTOR, '[data-testid="save-settings"]').click()
    problems = WebDriverWait(alert_app, 15).until(
        lambda d: d.find_element(By.CSS_SELECTOR, '[data-testid="settings-problems"]')
    )
    text = problems.get_attribute("textContent")
    assert "The refresh interval must be between 1 and 168 hours, not 0." in text
    assert "The number of clusters rotated at once must be a whole number." in text
    snapshot(alert_app, "settings-refused")
    settings_file = Path(app_env["XDG_CONFIG_HOME"]) / "rekey" / "settings.json"
    assert json.loads(settings_file.read_text(encoding="utf-8")) == {"notifyDays": [7], "notifyExpired": False}

    # Good values: saved, in the file, in force.
    field.clear()
    field.send_keys("12")
    concurrency.clear()
    concurrency.send_keys("4")
    alert_app.find_element(By.CSS_SELECTOR, '[data-testid="daily-digest"]').click()
    alert_app.find_element(By.CSS_SELECTOR, '[data-testid="save-settings"]').click()
    WebDriverWait(alert_app, 15).until(lambda d: d.find_elements(By.CSS_SELECTOR, '[data-testid="settings-saved"]'))
    saved = json.loads(settings_file.read_text(encoding="utf-8"))
    assert saved["refreshIntervalHours"] == 12
    assert saved["rotationConcurrency"] == 4
    assert saved["dailyDigest"] is True
    assert saved["notifyDays"] == [7]
    assert saved["retirePolicy"] == "afterGrace"
    status = alert_app.find_element(By.CSS_SELECTOR, '[data-testid="alert-status"]').get_attribute("textContent")
    assert "Last refreshed" in status and "next" in status, status
    snapshot(alert_app, "settings-saved")
