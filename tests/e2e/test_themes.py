"""Issue 18: every page in the light and the dark theme, chosen on the Settings page.

The Appearance control applies the theme to the window at once and saves it (`save_settings`, the
window's own command); the test checks the root's palette and the saved file, then photographs
each page (`theme-<page>-<light|dark>.png` in target/e2e) for a person to look at.
"""

import json
from pathlib import Path

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from conftest import snapshot


def by_testid(name):
    return (By.CSS_SELECTOR, f'[data-testid="{name}"]')


def rows(driver):
    return driver.find_elements(By.CSS_SELECTOR, '[data-testid="cluster-row"]')


def first_row_with(driver, button):
    """The first row offering `button` (earlier tests in the suite may have rotated or moved some)."""
    found = [b for r in rows(driver) for b in r.find_elements(*by_testid(button))]
    assert found, f"no cluster offers {button}"
    driver.execute_script("arguments[0].scrollIntoView({block: 'center', inline: 'end'})", found[0])
    return found[0]


def nav(driver, label):
    driver.find_element(By.XPATH, f"//nav//*[normalize-space()='{label}']").click()


def escape(driver):
    driver.find_element(By.TAG_NAME, "body").send_keys("\ue00c")


def dashboard(driver):
    nav(driver, "Clusters")
    wait = WebDriverWait(driver, 60)
    wait.until(EC.presence_of_element_located(by_testid("cluster-table")))
    wait.until(lambda d: len(rows(d)) == 12)


def choose_theme(driver, app_env, theme):
    nav(driver, "Settings")
    WebDriverWait(driver, 30).until(EC.element_to_be_clickable(by_testid(f"theme-{theme}"))).click()
    setting = driver.execute_script("return document.documentElement.dataset.themeSetting")
    assert setting == theme, setting
    if theme != "system":
        palette = driver.execute_script("return document.documentElement.dataset.theme")
        assert palette == theme, palette
        # The form controls and scrollbars follow too.
        scheme = driver.execute_script("return getComputedStyle(document.documentElement).colorScheme")
        assert scheme == theme, scheme
    settings = Path(app_env["XDG_CONFIG_HOME"]) / "rekey" / "settings.json"
    WebDriverWait(driver, 20).until(
        lambda _: settings.exists() and json.loads(settings.read_text(encoding="utf-8")).get("theme") == theme
    )


def test_every_page_in_light_and_dark(app, app_env):
    dashboard(app)
    for theme in ("light", "dark"):
        choose_theme(app, app_env, theme)
        snapshot(app, f"theme-settings-{theme}")

        dashboard(app)
        rows(app)[0].click()
        WebDriverWait(app, 20).until(EC.presence_of_element_located(by_testid("detail-drawer")))
        snapshot(app, f"theme-clusters-{theme}")
        escape(app)
        WebDriverWait(app, 10).until(lambda d: not d.find_elements(*by_testid("detail-drawer")))

        for page in ("Vault", "History", "Accounts"):
            nav(app, page)
            WebDriverWait(app, 30).until(
                lambda d, p=page: any(h.text == p for h in d.find_elements(By.CSS_SELECTOR, "main h1"))
            )
            snapshot(app, f"theme-{page.lower()}-{theme}")

        dashboard(app)
        first_row_with(app, "row-rotate").click()
        WebDriverWait(app, 30).until(
            lambda d: any(p.get_attribute("data-stage") == "options" for p in d.find_elements(*by_testid("rotate-page")))
        )
        snapshot(app, f"theme-rotate-{theme}")

        dashboard(app)
        first_row_with(app, "row-migrate").click()
        WebDriverWait(app, 30).until(lambda d: d.find_elements(*by_testid("migrate-preflight-cluster")))
        snapshot(app, f"theme-migrate-{theme}")

    # Back to the desktop's theme, as a fresh install has it, for the tests that follow.
    choose_theme(app, app_env, "system")
