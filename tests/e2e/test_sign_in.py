"""Sign in through the simulator's real sign-in page (the browser step done by a stand-in browser),
see the account panel, narrow the subscriptions, and sign out."""

import time

from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

from conftest import dialog_text, snapshot


def by_testid(name):
    return (By.CSS_SELECTOR, f'[data-testid="{name}"]')


def cluster_rows(driver):
    return driver.find_elements(By.CSS_SELECTOR, '[data-testid="cluster-row"]')


def test_browser_sign_in_to_the_simulator_then_choose_subscriptions(app, browser_log, dialogs):
    wait = WebDriverWait(app, 60)
    wait.until(lambda d: len(cluster_rows(d)) == 12)
    # The admin accepts what Rekey asks natively (signing out, below).
    dialogs.confirm("accept")

    wait.until(EC.element_to_be_clickable(by_testid("sign-in-button"))).click()
    picker = Select(wait.until(EC.presence_of_element_located(by_testid("cloud-picker"))))
    picker.select_by_value("demo")
    app.find_element(*by_testid("method-browser")).click()
    snapshot(app, "sign-in-screen")
    app.find_element(*by_testid("sign-in-submit")).click()

    # The stand-in browser completes the simulator's page; Rekey lands on the account panel.
    wait.until(EC.presence_of_element_located(by_testid("accounts-page")))
    card = wait.until(EC.presence_of_element_located(by_testid("account-card")))
    wait.until(lambda d: "admin@contoso-demo.onmicrosoft.com" in card.text)
    assert "You can close this tab" in browser_log(), browser_log()
    # Contoso's three subscriptions and, as a guest, Fabrikam's shared one: two tenants.
    boxes = wait.until(lambda d: d.find_elements(*by_testid("subscription-checkbox")) if len(d.find_elements(*by_testid("subscription-checkbox"))) == 4 else False)
    assert len(app.find_elements(*by_testid("tenant-checkbox"))) == 2
    snapshot(app, "account-panel")

    # Untick one subscription: its clusters leave the table (13 with Fabrikam's, less Staging's 3).
    staging = next(b for b in boxes if "Staging" in b.find_element(By.XPATH, "./ancestor::label[1]").text)
    staging.click()
    app.find_element(*by_testid("apply-selection")).click()
    time.sleep(0.5)
    app.find_element(By.XPATH, "//nav//*[normalize-space()='Clusters']").click()
    wait.until(lambda d: len(cluster_rows(d)) == 10)
    shown = {r.get_attribute("data-cluster-name") for r in cluster_rows(app)}
    assert "aks-stg-weu" not in shown and "aks-prod-weu" in shown
    assert "aks-fabrikam-shared" in shown
    snapshot(app, "clusters-after-selection")

    # Sign out: back to the demo tenant, after Rekey's own native confirmation (the admin accepts).
    dialogs.confirm("accept")
    mark = len(dialogs.asked())
    app.find_element(By.XPATH, "//nav//*[normalize-space()='Accounts']").click()
    wait.until(EC.element_to_be_clickable(by_testid("sign-out"))).click()
    try:
        WebDriverWait(app, 5).until(EC.element_to_be_clickable(by_testid("sign-out-confirm"))).click()
    except TimeoutException:
        pass  # no confirmation in the page: the native one is Rekey's
    wait.until(lambda d: not d.find_elements(*by_testid("account-card")))
    confirms = [a for a in dialogs.asked()[mark:] if a.get("kind") == "confirm"]
    assert confirms, "signing out asked no native confirmation"
    assert "contoso" in dialog_text(confirms[-1]).lower(), f"the confirmation does not name the account: {confirms[-1]}"
