"""Issue 18, point 3: the whole rotation from the keyboard, in the real window, without a click.

From the dashboard to the finished rotation of one production cluster (its name typed to confirm)
with key presses only: Tab and Shift+Tab to move, arrows in the cluster table, Enter and Space to
act, Escape to close the drawer. Every key goes to the focused element (WebDriver key actions, no
element is clicked or focused by script), and after every press the focused element must show a
focus ring (an outline or a box shadow that is not none) and must not be the page's body: a key
that loses the focus fails the test.

Rekey's native confirmation is a GTK dialog owned by Rust; the test hook (REKEY_TEST_DIALOGS)
answers it as in the rotation suite. The rotation is then checked as that suite checks it: the
journal says it finished, the cluster was verified on the new secret, and the dashboard rates it OK.
"""

import time
from datetime import date, timedelta

from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from conftest import snapshot
from test_rotation import journals, row, stage, wait_dashboard

# Production (its name must be typed) and expiring: a rotation whose pre-flight passes.
CLUSTER = "aks-payments"

FOCUS = """
const el = document.activeElement;
if (!el || el === document.body || el === document.documentElement) return { lost: true };
const style = getComputedStyle(el);
const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
const shadow = style.boxShadow && style.boxShadow !== "none";
const box = el.getBoundingClientRect();
return {
  lost: false,
  ring: outline || shadow,
  onScreen: box.width > 0 && box.height > 0 && box.bottom > 0 && box.top < window.innerHeight,
  what: `${el.tagName.toLowerCase()}${el.dataset.testid ? `[${el.dataset.testid}]` : ""} "${(el.getAttribute("aria-label") || el.textContent || el.value || "").trim().slice(0, 40)}"`,
  testid: el.dataset.testid || null,
  cluster: el.closest("[data-cluster-name]")?.dataset.clusterName || null,
  active: el.getAttribute("aria-activedescendant"),
  outline: `${style.outlineStyle} ${style.outlineWidth}`, shadow: style.boxShadow,
  dbg: `focus=${el.matches(":focus")} fv=${el.matches(":focus-visible")} hasFocus=${document.hasFocus()}`,
};
"""


class Keyboard:
    """Presses keys on whatever has the focus, and checks the focus after each press."""

    def __init__(self, driver):
        self.driver = driver
        self.presses = 0
        self.path: list[str] = []

    def focus(self) -> dict:
        return self.driver.execute_script(FOCUS)

    def press(self, key: str, shift: bool = False) -> dict:
        """One key (with Shift held, if `shift`) to the focused element; then the focus checks."""
        chain = ActionChains(self.driver)
        if shift:
            chain.key_down(Keys.SHIFT).send_keys(key).key_up(Keys.SHIFT).perform()
        else:
            chain.send_keys(key).perform()
        self.presses += 1
        # The effect of a key (a stage change) lands within a frame or two.
        self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "requestAnimationFrame(() => requestAnimationFrame(() => done()));"
        )
        seen = self.focus()
        self.path.append(seen.get("what", "(body)"))
        assert not seen["lost"], f"the focus was lost after {key!r}; keys so far: {self.path[-8:]}"
        assert seen["ring"], f"no visible focus ring on {seen['what']} ({seen['outline']}; {seen['shadow']}; {seen['dbg']})"
        assert seen["onScreen"], f"the focused {seen['what']} is off screen"
        return seen

    def tab_to(self, wanted, limit: int = 80, back: bool = False) -> dict:
        """Tabs (or Shift+Tabs) until `wanted(focus)` holds."""
        seen = self.focus()
        for _ in range(limit):
            if not seen["lost"] and wanted(seen):
                return seen
            seen = self.press(Keys.TAB, shift=back)
        raise AssertionError(f"not reached in {limit} tabs; the last ones: {self.path[-12:]}")

    def type(self, text: str) -> None:
        ActionChains(self.driver).send_keys(text).perform()
        self.presses += len(text)


def row_text(driver) -> str:
    """The cluster's row as it reads, scrolled into view or not (element.text gives only what shows)."""
    return driver.execute_script("return arguments[0].textContent", row(driver, CLUSTER))


def focused_on(name):
    return lambda f: f["testid"] == name


def test_rotate_a_production_cluster_from_the_keyboard(app, app_env, dialogs):
    started = time.monotonic()
    wait = WebDriverWait(app, 60)
    wait_dashboard(app)
    before = row_text(app)
    keys = Keyboard(app)

    # The table is one tab stop; the arrows walk its rows, Enter opens the drawer, Escape closes it
    # and gives the focus back to the table.
    keys.tab_to(focused_on("cluster-table"))
    keys.press(Keys.HOME)
    for _ in range(20):
        if app.find_element("id", keys.focus()["active"]).get_attribute("data-cluster-name") == CLUSTER:
            break
        keys.press(Keys.ARROW_DOWN)
    keys.press(Keys.ENTER)
    wait.until(lambda d: d.find_elements("css selector", f'[data-testid="detail-drawer"][data-cluster-name="{CLUSTER}"]'))
    snapshot(app, "keyboard-drawer")
    back = keys.press(Keys.ESCAPE)
    assert not app.find_elements("css selector", '[data-testid="detail-drawer"]')
    assert back["testid"] == "cluster-table", back

    # The row's Rotate button, then the wizard: each stage's way forward is reached by Tab.
    keys.tab_to(lambda f: f["testid"] == "row-rotate" and f["cluster"] == CLUSTER)
    keys.press(Keys.ENTER)
    wait.until(lambda d: stage(d) == "options")
    keys.tab_to(focused_on("rotate-plan"))
    keys.press(Keys.ENTER)
    wait.until(lambda d: stage(d) == "preflight")
    snapshot(app, "keyboard-preflight")
    keys.tab_to(focused_on("rotate-next"))
    keys.press(Keys.ENTER)
    wait.until(lambda d: stage(d) == "plan")
    keys.tab_to(focused_on("rotate-next"))
    # Shift+Tab goes back to Back, Tab forward again; Space presses the button.
    assert keys.press(Keys.TAB, shift=True)["what"].startswith('button "Back"')
    assert keys.press(Keys.TAB)["testid"] == "rotate-next"
    keys.press(Keys.SPACE)
    wait.until(lambda d: stage(d) == "confirm")

    # The production cluster's name, typed; then Rotate now, and Rekey's native confirmation.
    keys.tab_to(lambda f: f["testid"] == "confirm-input" and f["cluster"] == CLUSTER)
    keys.type(CLUSTER)
    snapshot(app, "keyboard-confirm")
    dialogs.confirm("accept")
    keys.tab_to(focused_on("rotate-start"))
    keys.press(Keys.ENTER)
    assert any(a.get("kind") == "confirm" and CLUSTER in (a.get("message") or "") + (a.get("title") or "")
               for a in dialogs.wait_asked(1)), dialogs.asked()

    WebDriverWait(app, 120).until(lambda d: stage(d) == "result")
    snapshot(app, "keyboard-result")
    (events,) = journals(app_env)
    finished = [e for e in events if e["type"] == "finished"]
    assert finished and finished[0]["outcome"] in ("succeeded", "retirePending"), finished
    created = next(e for e in events if e["type"] == "secretCreated")
    verified = [e for e in events if e["type"] == "clusterVerified"]
    assert [v["cluster"].rsplit("/", 1)[-1] for v in verified] == [CLUSTER]
    assert verified[0]["keyId"] == created["keyId"]

    # Done, from the keyboard too: back on the dashboard, the cluster's expiry is the new secret's
    # (the default lifetime, 180 days from today; the old one ended sooner).
    keys.tab_to(focused_on("rotate-done"))
    keys.press(Keys.ENTER)
    wait.until(lambda d: len(d.find_elements("css selector", '[data-testid="cluster-row"]')) == 12)
    ends = {(date.today() + timedelta(days=180 + d)).isoformat() for d in (-1, 0, 1)}
    assert not any(e in before for e in ends), before
    try:
        wait.until(lambda d: any(e in row_text(d) for e in ends))
    except TimeoutException:
        raise AssertionError(f"{ends} not in {row_text(app)!r} (before: {before!r})") from None
    assert row(app, CLUSTER).get_attribute("data-bucket") == "ok"
    print(f"\nkeyboard-only rotation: {keys.presses} key presses, {time.monotonic() - started:.0f} s; path: {keys.path}")
