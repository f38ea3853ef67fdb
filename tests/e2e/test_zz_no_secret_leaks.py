"""The leak test over the whole end-to-end run (it runs last): every secret the simulators issued
(recorded through REKEY_SIM_RECORD_SECRETS, the in-app demo simulator's and `rekey-sim serve`'s) is
searched for in Rekey's data and config folders, the app's log (stdout and stderr, at debug level),
the IPC traffic the window recorded (REKEY_RECORD_IPC), the text of every page a screenshot was
taken of, and the hostile-window suite's app folders, app log and everything its stand-in attacker
server received. Zero hits allowed; a planted canary proves the search finds what it looks for.
"""

import base64
import json
import urllib.parse
from pathlib import Path

from conftest import APP_LOG, ATTACKER_LOG, EXTRA_LEAK_ROOTS, IPC_LOGS, ISSUED_SECRETS, PAGE_TEXT


def forms(secret: str):
    """The secret as it could appear: plain, JSON-escaped, base64, hex."""
    raw = secret.encode()
    return {secret, json.dumps(secret)[1:-1], base64.b64encode(raw).decode(), raw.hex()}


def searched_files(app_env):
    roots = [
        Path(app_env["XDG_DATA_HOME"]) / "rekey",
        Path(app_env["XDG_CONFIG_HOME"]) / "rekey",
        IPC_LOGS,
        PAGE_TEXT,
    ]
    # The hostile-window suite's own app home and log, and what its stand-in attacker received.
    files = [APP_LOG] + [p for p in [ATTACKER_LOG, *EXTRA_LEAK_ROOTS] if p.is_file()]
    roots += [p for p in EXTRA_LEAK_ROOTS if p.is_dir()]
    for root in roots:
        if root.exists():
            files.extend(p for p in root.rglob("*") if p.is_file())
    return files


def hits(files, secrets):
    found = []
    for path in files:
        text = path.read_bytes().decode("utf-8", errors="replace")
        # Also URL-decoded: a form body (the attacker's log) writes "~" as %7E.
        text += "\n" + urllib.parse.unquote_plus(text)
        for secret in secrets:
            if any(form in text for form in forms(secret)):
                found.append((str(path), secret[:3] + "…"))
    return found


def test_no_secret_the_simulators_issued_is_anywhere_rekey_wrote_printed_or_showed(app_env):
    issued = [s for s in ISSUED_SECRETS.read_text(encoding="utf-8").split() if s] if ISSUED_SECRETS.exists() else []
    # The demo starts with secrets on its apps, and the run rotated several clusters.
    assert len(issued) >= 20, f"too few issued secrets recorded ({len(issued)}): is REKEY_SIM_RECORD_SECRETS honoured?"
    files = searched_files(app_env)
    ipc = [p for p in files if p.parent == IPC_LOGS]
    assert ipc, "no IPC traffic was recorded"
    recorded = sum(len(json.loads(p.read_text(encoding="utf-8")) or []) for p in ipc)
    assert recorded > 50, f"the IPC recorder saw only {recorded} messages"
    assert any("newKeyId" in p.read_text(encoding="utf-8") for p in ipc), "no rotation result was recorded"
    assert APP_LOG.stat().st_size > 0 and list(PAGE_TEXT.glob("*.txt"))

    # The search finds a secret that is there.
    canary_file = Path(app_env["XDG_DATA_HOME"]) / "rekey" / "canary.txt"
    canary = "Zq8~CanarySecretThatMustBeFound.0123456789"
    canary_file.write_text(f"x{base64.b64encode(canary.encode()).decode()}y", encoding="utf-8")
    try:
        assert hits(searched_files(app_env), [canary]), "the search does not find a planted secret"
    finally:
        canary_file.unlink()

    leaks = hits(files, issued)
    print(f"searched {len(files)} files ({recorded} IPC messages) for {len(issued)} issued secrets: {len(leaks)} hits")
    assert not leaks, leaks
