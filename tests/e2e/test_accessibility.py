"""Issue 18, point 3: axe-core on every page and every wizard stage of the real window, in the light
and the dark theme; and, at 1024×768, every page fits the window's width.

axe (ui/node_modules/axe-core, a devDependency of the UI) is injected into the web view and run with
the WCAG 2.0/2.1 A and AA rules. A violation of impact serious or critical fails the test; the table
of every page or stage with its violations by impact is printed and kept in target/e2e/axe-table.txt.

Pages and stages are reached the way the other suites reach them (test_themes' navigation, the
wizards' `stage`). The rotation and the move run to their results: the demo's simulator lives inside the app and a
new demo clears the last one's journals, so the suites after this one start afresh.
"""

import json
from collections import Counter

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from conftest import ARTIFACTS, ROOT, snapshot
from test_migration import stage as move_stage
from test_rotation import row, start_confirmed
from test_rotation import stage as rotate_stage
from test_themes import by_testid, choose_theme, dashboard, escape, nav, rows

AXE = ROOT / "ui" / "node_modules" / "axe-core" / "axe.min.js"
IMPACTS = ("critical", "serious", "moderate", "minor")
FAILING = {"critical", "serious"}
# The WCAG 2.0 and 2.1 success criteria of levels A and AA (axe's tags for them).
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
TABLE = ARTIFACTS / "axe-table.txt"


def audit(driver, name: str, found: list) -> None:
    """Runs axe on the document as it is now; records the page's violations in `found`."""
    if not driver.execute_script("return typeof window.axe === 'object'"):
        assert AXE.exists(), f"{AXE} is missing: run `npm ci` in ui/"
        driver.execute_script(AXE.read_text(encoding="utf-8"))
    # Two frames first: the DOM may be ahead of what is styled.
    result = driver.execute_async_script(
        """
        const [tags, done] = arguments;
        requestAnimationFrame(() => requestAnimationFrame(() => {
          axe.run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] })
            .then((r) => done(JSON.stringify(r.violations.map((v) => ({
              id: v.id, impact: v.impact, help: v.help,
              nodes: v.nodes.map((n) => ({ target: n.target.join(" "), summary: n.failureSummary })),
            })))))
            .catch((e) => done(JSON.stringify({ error: String(e) })));
        }));
        """,
        TAGS,
    )
    violations = json.loads(result)
    assert not isinstance(violations, dict), f"axe failed on {name}: {violations}"
    found.append((name, violations))


def table(found: list) -> str:
    width = max(len(n) for n, _ in found)
    lines = [f"{'page / stage'.ljust(width)}  " + "  ".join(i.rjust(8) for i in IMPACTS)]
    for name, violations in found:
        by_impact = Counter()
        for v in violations:
            by_impact[v["impact"]] += len(v["nodes"])
        lines.append(f"{name.ljust(width)}  " + "  ".join(str(by_impact[i]).rjust(8) for i in IMPACTS))
    lines.append("(counts are elements; details of serious and critical ones below)")
    for name, violations in found:
        for v in violations:
            if v["impact"] in FAILING:
                for node in v["nodes"]:
                    lines.append(f"{name}: [{v['impact']}] {v['id']} ({v['help']}) at {node['target']}: {node['summary']}")
    return "\n".join(lines)


# Clusters whose wizards pass their pre-flight (the first row offering a button may be blocked):
# an expiring cluster to rotate, and the migration suite's first cluster to move.
ROTATED = "aks-stg-weu"
MOVED = "aks-payments"
# The second theme's move (the first cluster has moved by then): one the migration suite moves too.
MOVED_TOO = "aks-ops-tools"
# Each wizard's way forward: the button pressed, the stage it leads to.
ROTATE_STEPS = [("rotate-plan", "preflight"), ("rotate-next", "plan"), ("rotate-next", "confirm")]
MOVE_STEPS = [("migrate-next", "plan"), ("migrate-next", "confirm")]


def open_wizard(driver, cluster: str, button: str, stage_of, first: str) -> None:
    """From the dashboard, a row's Rotate or Move… button, to the wizard's first stage."""
    dashboard(driver)
    found = row(driver, cluster).find_element(*by_testid(button))
    driver.execute_script("arguments[0].scrollIntoView({block: 'center', inline: 'end'})", found)
    found.click()
    WebDriverWait(driver, 60).until(lambda d: stage_of(d) == first)


def walk(driver, stage_of, steps, visit) -> None:
    """Through a wizard's stages, calling `visit(stage)` on the first one and on each one reached."""
    visit(stage_of(driver))
    for button, reached in steps:
        WebDriverWait(driver, 60).until(EC.element_to_be_clickable(by_testid(button))).click()
        WebDriverWait(driver, 60).until(lambda d, r=reached: stage_of(d) == r)
        visit(reached)


def rotation_tour(app, theme: str, found: list, dialogs) -> None:
    """Every stage of the rotation wizard, from a row's Rotate to the result."""

    def visit(stage: str) -> None:
        if stage == "plan":
            # The plan in az terms, opened.
            summary = (By.CSS_SELECTOR, '[data-testid="az-terms"] summary')
            WebDriverWait(app, 20).until(EC.element_to_be_clickable(summary)).click()
            WebDriverWait(app, 20).until(lambda d: d.find_element(*by_testid("az-terms-text")).text)
        if stage == "confirm":
            for field in app.find_elements(*by_testid("confirm-input")):
                field.send_keys(field.get_attribute("data-cluster-name"))
        audit(app, f"{theme} rotate: {stage}", found)

    open_wizard(app, ROTATED, "row-rotate", rotate_stage, "options")
    walk(app, rotate_stage, ROTATE_STEPS, visit)
    start_confirmed(app, dialogs, [ROTATED])
    follow_to_result(app, theme, found, "rotate", rotate_stage, 120, "rotate-done")


def follow_to_result(app, theme: str, found: list, what: str, stage, timeout: int, done: str) -> None:
    """A started run: its progress (while still on screen) and its result, each audited, then Done."""
    WebDriverWait(app, 60, poll_frequency=0.1).until(lambda d: stage(d) in ("progress", "result"))
    if stage(app) == "progress":
        audit(app, f"{theme} {what}: progress", found)
    WebDriverWait(app, timeout).until(lambda d: stage(d) == "result")
    audit(app, f"{theme} {what}: result", found)
    WebDriverWait(app, 20).until(EC.element_to_be_clickable(by_testid(done))).click()


def move_tour(app, theme: str, found: list, dialogs, cluster: str) -> None:
    """Every stage of the move wizard, from a row's Move… to the result."""
    open_wizard(app, cluster, "row-migrate", move_stage, "preflight")
    WebDriverWait(app, 60).until(lambda d: d.find_elements(*by_testid("migrate-preflight-cluster")))

    def visit(stage: str) -> None:
        if stage == "confirm":
            for field in app.find_elements(*by_testid("migrate-confirm-input")):
                field.send_keys(field.get_attribute("data-cluster-name"))
        audit(app, f"{theme} move: {stage}", found)

    walk(app, move_stage, MOVE_STEPS, visit)
    dialogs.confirm("accept")
    mark = len(dialogs.asked())
    WebDriverWait(app, 20).until(EC.element_to_be_clickable(by_testid("migrate-start"))).click()
    assert any(a.get("kind") == "confirm" for a in dialogs.wait_asked(mark + 1)[mark:]), dialogs.asked()
    follow_to_result(app, theme, found, "move", move_stage, 600, "migrate-done")


def page_tour(app, theme: str, found: list) -> None:
    dashboard(app)
    audit(app, f"{theme} clusters", found)
    rows(app)[0].click()
    WebDriverWait(app, 20).until(EC.presence_of_element_located(by_testid("detail-drawer")))
    audit(app, f"{theme} clusters + drawer", found)
    escape(app)
    WebDriverWait(app, 10).until(lambda d: not d.find_elements(*by_testid("detail-drawer")))
    for page in ("Vault", "History", "Accounts", "Settings"):
        nav(app, page)
        WebDriverWait(app, 30).until(
            lambda d, p=page: any(h.text == p for h in d.find_elements(By.CSS_SELECTOR, "main h1"))
        )
        audit(app, f"{theme} {page.lower()}", found)
    # Not in the navigation: the demo banner's way to it.
    WebDriverWait(app, 20).until(EC.element_to_be_clickable(by_testid("sign-in-button"))).click()
    WebDriverWait(app, 20).until(EC.presence_of_element_located(by_testid("sign-in-submit")))
    audit(app, f"{theme} sign-in", found)


def vault_delete_dialog(app, theme: str, found: list) -> None:
    """The Vault's delete confirmation (modal), opened on the rotation's new secret, then cancelled."""
    nav(app, "Vault")
    WebDriverWait(app, 30).until(EC.element_to_be_clickable(by_testid("vault-delete"))).click()
    WebDriverWait(app, 10).until(EC.presence_of_element_located(by_testid("vault-delete-dialog")))
    audit(app, f"{theme} vault: delete dialog", found)
    escape(app)
    WebDriverWait(app, 10).until(lambda d: not d.find_elements(*by_testid("vault-delete-dialog")))


def test_axe_finds_nothing_serious_on_any_page_or_stage(app, app_env, dialogs):
    found: list = []
    try:
        for theme, moved in (("light", MOVED), ("dark", MOVED_TOO)):
            choose_theme(app, app_env, theme)
            page_tour(app, theme, found)
            rotation_tour(app, theme, found, dialogs)
            vault_delete_dialog(app, theme, found)
            move_tour(app, theme, found, dialogs, moved)
            nav(app, "History")
            WebDriverWait(app, 30).until(lambda d: d.find_elements(*by_testid("move-row")))
            audit(app, f"{theme} history after a move", found)
    finally:
        if found:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            TABLE.write_text(table(found) + "\n", encoding="utf-8")
            print("\n" + table(found))
        # Back to the desktop's theme, as a fresh install has it, for the tests that follow.
        choose_theme(app, app_env, "system")
    failing = [(n, v["id"]) for n, vs in found for v in vs if v["impact"] in FAILING]
    assert not failing, f"axe: serious or critical violations (details in {TABLE}): {failing}"
    assert len(found) >= 2 * 18, f"fewer pages and stages audited than expected: {[n for n, _ in found]}"


def overflow(driver) -> dict:
    """How far the document and the dashboard's bucket cards reach past the window's width, and which
    elements inside <main> scroll sideways in their own frame (a table wider than its box)."""
    return driver.execute_script(
        """
        const root = document.documentElement;
        const cards = [...document.querySelectorAll('[data-testid="bucket-card"]')].map((c) => {
          const r = c.getBoundingClientRect();
          return { name: c.textContent.trim().slice(0, 30), left: r.left, right: r.right, top: r.top, bottom: r.bottom };
        });
        const main = document.querySelector("main");
        const scrollers = [...(main ? main.querySelectorAll("*") : [])]
          .filter((e) => ["auto", "scroll"].includes(getComputedStyle(e).overflowX) && e.scrollWidth > e.clientWidth + 1)
          .map((e) => ({ element: e.tagName.toLowerCase() + (e.dataset.testid ? `[data-testid=${e.dataset.testid}]` : "")
                          + (typeof e.className === "string" && e.className ? `.${e.className.trim().split(/\\s+/).join(".")}` : ""),
                         scrollWidth: e.scrollWidth, clientWidth: e.clientWidth }));
        return { scrollWidth: root.scrollWidth, clientWidth: root.clientWidth,
                 innerWidth: window.innerWidth, innerHeight: window.innerHeight, cards, scrollers };
        """
    )


def fits(driver, name: str) -> None:
    snapshot(driver, f"w1024-{name}")
    seen = overflow(driver)
    assert seen["scrollWidth"] <= seen["clientWidth"], f"{name} overflows horizontally: {seen}"
    for card in seen["cards"]:
        assert card["left"] >= 0 and card["right"] <= seen["clientWidth"], f"{name}: a bucket card is cut: {card}"
    assert not seen["scrollers"], f"{name}: scrolls sideways inside <main>: {seen['scrollers']}"


def test_every_page_fits_1024_pixels(app):
    app.set_window_size(1024, 768)
    WebDriverWait(app, 10).until(lambda d: d.execute_script("return window.innerWidth") <= 1024)
    try:
        dashboard(app)
        cards = app.find_elements(*by_testid("bucket-card"))
        assert cards, "no bucket card on the dashboard"
        fits(app, "clusters")
        rows(app)[0].click()
        WebDriverWait(app, 20).until(EC.presence_of_element_located(by_testid("detail-drawer")))
        fits(app, "clusters-drawer")
        escape(app)
        WebDriverWait(app, 10).until(lambda d: not d.find_elements(*by_testid("detail-drawer")))
        for page in ("Vault", "History", "Accounts", "Settings"):
            nav(app, page)
            WebDriverWait(app, 30).until(
                lambda d, p=page: any(h.text == p for h in d.find_elements(By.CSS_SELECTOR, "main h1"))
            )
            fits(app, page.lower())
        WebDriverWait(app, 20).until(EC.element_to_be_clickable(by_testid("sign-in-button"))).click()
        WebDriverWait(app, 20).until(EC.presence_of_element_located(by_testid("sign-in-submit")))
        fits(app, "sign-in")
        open_wizard(app, ROTATED, "row-rotate", rotate_stage, "options")
        walk(app, rotate_stage, ROTATE_STEPS[:2], lambda stage: fits(app, f"rotate-{stage}"))
        open_wizard(app, MOVED, "row-migrate", move_stage, "preflight")
        WebDriverWait(app, 60).until(lambda d: d.find_elements(*by_testid("migrate-preflight-cluster")))
        walk(app, move_stage, MOVE_STEPS[:1], lambda stage: fits(app, f"move-{stage}"))
    finally:
        app.set_window_size(1280, 800)
