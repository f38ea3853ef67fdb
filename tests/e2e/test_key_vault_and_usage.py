"""Issue 17 in the real window, in demo mode (the in-process simulator): who uses a secret, and Key
Vault as a second destination.

1. Last used: the detail drawer shows, for every secret of every demo cluster, when it last signed
   in, from the simulator's Graph sign-in activity report (seeded per secret in demo.toml), with the
   report's caveat once. ("Usage unknown" needs a tenant without the licence: Fabrikam, which demo
   mode does not list; the vitest suite covers its wording.)
2. Key Vault: aks-stg-weu rotated with "Also write the new secret to Azure Key Vault" set to
   kv-contoso-platform: the pre-flight's "key vault" check, the plan's destination, Rekey's native
   confirmation naming the vault, the Key Vault step in the progress, and afterwards the Vault page,
   the vault index and History saying where the secret was also written.
3. A held retirement: demo.toml's stand-in pipeline still signs in with aks-payments-sp's old secret
   after the rotation, so its retirement is held; the result, a banner at start and History say so,
   and History's answers (wait 24 h more, retire anyway behind Rekey's native confirmation) work.
"""

import re

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from conftest import dialog_text, snapshot
from test_rotation import (
    by_testid,
    follow_progress,
    journals,
    nav,
    row,
    rows,
    stage,
    vault_index,
    wait_dashboard,
)

VAULT = "kv-contoso-platform"
# Rust's one name per application (rotation::key_vault::default_secret_name): "<app name>-secret".
SECRET = "aks-stg-sp-secret"


def open_drawer(driver, name):
    target = row(driver, name)
    # The lower rows are below the fold at 1280x800 (the table scrolls in the page).
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", target)
    target.click()
    return WebDriverWait(driver, 20).until(
        lambda d: next((e for e in d.find_elements(*by_testid("detail-drawer")) if e.get_attribute("data-cluster-name") == name), False)
    )


def close_drawer(driver):
    driver.find_element(By.TAG_NAME, "body").send_keys("\ue00c")  # Escape
    WebDriverWait(driver, 10).until(lambda d: not d.find_elements(*by_testid("detail-drawer")))


def usage_of(drawer):
    """Key ID → (kind, text, title) of each credential's "Last used" cell."""
    out = {}
    for r in drawer.find_elements(*by_testid("credential-row")):
        cell = r.find_element(*by_testid("last-used"))
        out[r.get_attribute("data-key-id")] = (cell.get_attribute("data-kind"), cell.text, cell.get_attribute("title"))
    return out


def test_the_drawer_shows_when_every_demo_secret_was_last_used(app):
    wait_dashboard(app)
    names = [r.get_attribute("data-cluster-name") for r in rows(app)]
    seen = {}
    for name in names:
        drawer = open_drawer(app, name)
        usage = usage_of(drawer)
        if usage:
            seen[name] = usage
            # Contoso has the report's licence and every demo secret (and certificate) a last sign-in.
            assert {kind for kind, _, _ in usage.values()} == {"at"}, (name, usage)
            # "just now" for aks-payments-sp's secret: demo.toml's stand-in pipeline signs in on every read.
            assert all(
                re.fullmatch(r"just now|\d+ (min|h|days?) ago", text) and title.startswith("Last signed in ")
                for _, text, title in usage.values()
            ), usage
            caveat = drawer.find_elements(*by_testid("usage-caveat"))
            assert len(caveat) == 1 and "did not complete" in caveat[0].text
            if name == "aks-edge-legacy":
                # Secrets on the application, on the service principal and on the legacy AAD server
                # app, each used at its own time (demo.toml: 18 min, 2 days, 5 min ago).
                app.execute_script(
                    "arguments[0].scrollIntoView({block: 'center'})", drawer.find_element(*by_testid("credential-table"))
                )
                snapshot(app, "usage-drawer")
        close_drawer(app)
    # The nine service-principal clusters; the three on a managed identity have no secret.
    assert len(seen) == 9, sorted(seen)


def test_rotate_with_a_copy_in_key_vault(app, app_env, dialogs):
    wait = WebDriverWait(app, 60)
    wait_dashboard(app)
    row(app, "aks-stg-weu").find_element(*by_testid("row-rotate")).click()
    wait.until(lambda d: stage(d) == "options")

    # The options: the copy is optional; once wanted, the vaults come from ARM.
    app.find_element(*by_testid("rotate-key-vault-on")).click()
    select = Select(wait.until(lambda d: d.find_element(*by_testid("rotate-key-vault-vault"))))
    labels = [o.text for o in select.options]
    # Each vault with its resource group and how it grants access.
    assert all(label.endswith((" · Azure RBAC", " · access policies")) for label in labels), labels
    chosen = next(o for o in select.options if o.text.startswith(f"{VAULT} · "))
    select.select_by_value(chosen.get_attribute("value"))
    assert chosen.get_attribute("value").endswith(f"/providers/Microsoft.KeyVault/vaults/{VAULT}")
    assert "<app name>-secret" in app.find_element(*by_testid("rotate-key-vault-secret")).get_attribute("placeholder")
    app.execute_script("arguments[0].scrollIntoView({block: 'center'})", app.find_element(*by_testid("rotate-key-vault")))
    snapshot(app, "key-vault-options")

    # Pre-flight: the vault exists and the demo admin may set secrets in it.
    wait.until(lambda d: d.find_element(*by_testid("rotate-plan")).is_enabled())
    app.find_element(*by_testid("rotate-plan")).click()
    wait.until(lambda d: stage(d) == "preflight")
    group = app.find_element(*by_testid("preflight-group"))
    check = next(
        c for c in group.find_elements(By.CSS_SELECTOR, ".check-row") if "key vault" in c.get_attribute("textContent")
    )
    assert check.get_attribute("data-level") == "ok", check.get_attribute("textContent")
    assert VAULT in check.get_attribute("textContent") and SECRET in check.get_attribute("textContent")
    if group.get_attribute("open") is None:
        group.find_element(By.TAG_NAME, "summary").click()
    app.execute_script("arguments[0].scrollIntoView({block: 'center'})", check)
    snapshot(app, "key-vault-preflight")

    # The plan names the destination.
    app.find_element(*by_testid("rotate-next")).click()
    wait.until(lambda d: stage(d) == "plan")
    destination = app.find_element(*by_testid("plan-key-vault"))
    assert f"{VAULT}/{SECRET}" in destination.text, destination.text
    app.execute_script("arguments[0].scrollIntoView({block: 'center'})", destination)
    snapshot(app, "key-vault-plan")
    app.find_element(*by_testid("rotate-next")).click()
    wait.until(lambda d: stage(d) == "confirm")

    # Rekey's own confirmation (written by Rust from the kept plan) names the vault too.
    dialogs.confirm("accept")
    mark = len(dialogs.asked())
    app.find_element(*by_testid("rotate-start")).click()
    confirms = [a for a in dialogs.wait_asked(mark + 1)[mark:] if a.get("kind") == "confirm"]
    assert confirms and VAULT in dialog_text(confirms[0]), confirms
    follow_progress(app, "key-vault")

    result = app.find_element(*by_testid("result-group"))
    assert result.get_attribute("data-outcome") == "retirePending", result.text
    step = app.find_element(By.CSS_SELECTOR, '[data-testid="progress-group"] [data-step="keyVault"]')
    assert step.get_attribute("data-status") == "ok" and "Write to Key Vault" in step.text, step.get_attribute("outerHTML")

    # The journal: written to the vault (and read back) before the cluster was reset.
    (events,) = journals(app_env)
    new_key = next(e for e in events if e["type"] == "secretCreated")["keyId"]
    kinds = [e["type"] for e in events]
    assert "keyVaultWritten" in kinds and kinds.index("keyVaultWritten") < kinds.index("resetRequested"), kinds
    written = next(e for e in events if e["type"] == "keyVaultWritten")
    assert written["vaultId"].endswith(f"/vaults/{VAULT}") and written["secretName"] == SECRET, written
    # The vault index says where the secret was also written.
    entry = next(e for e in vault_index(app_env) if e["keyId"] == new_key)
    assert entry["keyVault"]["vaultName"] == VAULT and entry["keyVault"]["secretName"] == SECRET, entry

    # The Vault page says where the new secret was also written, and its last use.
    app.find_element(*by_testid("rotate-done")).click()
    nav(app, "Vault")
    vault_row = wait.until(lambda d: next(
        (r for r in d.find_elements(*by_testid("vault-row")) if r.get_attribute("data-key-id") == new_key), False))
    copy = vault_row.find_element(*by_testid("vault-key-vault"))
    assert copy.text == f"Also in Key Vault: {VAULT}/{SECRET}", copy.text
    assert vault_row.find_element(*by_testid("last-used")).get_attribute("data-kind") in ("at", "notSeen")
    snapshot(app, "key-vault-vault-page")

    nav(app, "History")
    history_row = wait.until(lambda d: next(
        (r for r in d.find_elements(*by_testid("rotation-row")) if "aks-stg-weu" in r.text), False))
    assert VAULT in history_row.find_element(*by_testid("rotation-key-vault")).text
    snapshot(app, "key-vault-history")


def test_a_retirement_held_by_a_pipeline_still_using_the_old_secret(app, app_env, dialogs):
    """demo.toml's stand-in deployment pipeline keeps signing in with aks-payments-sp's secret: after
    the rotation moved aks-payments to the new secret, the old one is still used, so its retirement
    (asked for at once) is held and explained; History offers waiting longer or retiring anyway,
    the latter only through Rekey's native confirmation; a banner at start says it is held."""
    wait = WebDriverWait(app, 60)
    wait_dashboard(app)
    target = row(app, "aks-payments").find_element(*by_testid("row-rotate"))
    app.execute_script("arguments[0].scrollIntoView({block: 'center', inline: 'end'})", target)
    target.click()
    wait.until(lambda d: stage(d) == "options")
    Select(app.find_element(*by_testid("rotate-retire"))).select_by_value("now")
    wait.until(lambda d: d.find_element(*by_testid("rotate-plan")).is_enabled())
    app.find_element(*by_testid("rotate-plan")).click()
    wait.until(lambda d: stage(d) == "preflight")
    app.find_element(*by_testid("rotate-next")).click()
    wait.until(lambda d: stage(d) == "plan")
    app.find_element(*by_testid("rotate-next")).click()
    wait.until(lambda d: stage(d) == "confirm")
    app.find_element(*by_testid("confirm-input")).send_keys("aks-payments")  # production
    dialogs.confirm("accept")
    start = app.find_element(*by_testid("rotate-start"))
    wait.until(lambda d: start.is_enabled())
    start.click()
    follow_progress(app, "held")

    # The result says it is held, in Rust's words: which secret, when it was last used, what to do.
    result = app.find_element(*by_testid("result-group"))
    assert result.get_attribute("data-outcome") == "retireHeld", result.text
    assert app.find_element(*by_testid("result-outcome")).text == "Retirement held"
    hold = app.find_element(*by_testid("result-hold")).text
    assert "Retirement held" in hold and "last signed in" in hold, hold
    (events,) = journals(app_env)
    assert "retireHeld" in [e["type"] for e in events] and "oldRemoved" not in [e["type"] for e in events]

    # At the next start (a reloaded window), a banner says so and leads to History.
    app.refresh()
    banner = wait.until(lambda d: d.find_element(*by_testid("held-banner")))
    assert "1 retirement is held" in banner.text and "aks-payments" in banner.text, banner.text
    snapshot(app, "held-banner")
    app.find_element(*by_testid("held-open-history")).click()
    held = wait.until(lambda d: d.find_element(*by_testid("rotation-held")))
    history_row = app.find_element(By.CSS_SELECTOR, '[data-testid="rotation-row"][data-outcome="retireHeld"]')
    assert "Retirement held" in history_row.text
    assert held.find_element(*by_testid("rotation-hold")).text == hold.removesuffix(" History offers both answers.")
    app.execute_script("arguments[0].scrollIntoView({block: 'center'})", held)
    snapshot(app, "held-history")

    # Wait 24 h more: still held, the next look a day later.
    before = held.find_element(*by_testid("rotation-hold")).text
    held.find_element(*by_testid("rotation-extend")).click()
    wait.until(lambda d: d.find_element(*by_testid("rotation-hold")).text != before)
    assert [e["type"] for e in journals(app_env)[0]].count("retireScheduled") >= 2

    # Retire anyway: Rekey's own dialog asks first; once accepted the old secrets go.
    mark = len(dialogs.asked())
    app.find_element(*by_testid("rotation-retire-anyway")).click()
    confirms = [a for a in dialogs.wait_asked(mark + 1)[mark:] if a.get("kind") == "confirm"]
    assert confirms and "Retire the old secrets anyway?" in dialog_text(confirms[0]), confirms
    wait.until(lambda d: d.find_element(*by_testid("rotation-row")).get_attribute("data-outcome") == "succeeded")
    assert not app.find_elements(*by_testid("rotation-held"))
    kinds = [e["type"] for e in journals(app_env)[0]]
    assert "retireForced" in kinds and "oldRemoved" in kinds, kinds
    snapshot(app, "held-retired-anyway")
