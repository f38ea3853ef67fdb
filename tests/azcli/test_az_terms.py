"""A rotation plan "in az terms" does, run by the Azure CLI, what Rekey says it does.

`rekey rotate --plan --az --json` (signed in to the simulator as its administrator) writes the
commands of a rotation; they run here in one bash, with the real `az` signed in as the article's
admin would be, and the simulator's state is the judge: the cluster ends on a new secret of its
own application, that secret was added beside the old one (never instead of it), the old one is
gone only at the end, and no secret value is in any command or in anything printed.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from sdkutil import Secret

ROOT = Path(__file__).resolve().parents[2]
REKEY = Path(os.environ.get("REKEY_BIN", ROOT / "target" / "debug" / "rekey"))
WITH_KEYRING = ROOT / "crates" / "rekey-core" / "tests" / "with-secret-service.sh"
CLUSTER, SUBSCRIPTION = "aks-stg-weu", "Contoso Staging"


def plan_in_az_terms(sim, admin_secret: Secret, tmp_path: Path) -> list[dict]:
    """Signs rekey in as the simulator's administrator and asks for the plan's commands."""
    secret_file = tmp_path / "admin-secret"
    secret_file.write_text(str(admin_secret))
    secret_file.chmod(0o600)
    cloud = ["--cloud", f"{sim.base_url}metadata/endpoints?api-version=2022-09-01", "--ca-file", sim.ca_pem]
    login = [str(REKEY), *cloud, "login", "--service-principal", "--tenant", sim.tenant_id,
             "--client-id", sim.demo_client_id, "--client-secret-file", str(secret_file)]
    plan = [str(REKEY), *cloud, "rotate", "--cluster", CLUSTER, "--retire-old", "now", "--plan", "--az", "--json"]
    script = f"{subprocess.list2cmdline(login)} >&2 && {subprocess.list2cmdline(plan)}"
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "REKEY_HOME": str(tmp_path / "home"),
           "HOME": str(tmp_path)}
    proc = subprocess.run([str(WITH_KEYRING), "sh", "-c", script], env=env, capture_output=True, text=True,
                          timeout=180)
    assert proc.returncode == 0, f"rekey exited {proc.returncode}: {proc.stderr[-3000:]}"
    return json.loads(proc.stdout)


def test_the_plans_az_commands_rotate_the_cluster_as_rekey_would(az, sim, admin_secret, tmp_path):
    assert REKEY.exists(), f"{REKEY} is missing: run `cargo build -p rekey-cli` (or set REKEY_BIN)"
    scripts = plan_in_az_terms(sim, admin_secret, tmp_path)
    assert len(scripts) == 1, scripts
    steps = scripts[0]["steps"]
    assert steps[0]["commands"][0].startswith("az login --tenant "), steps[0]
    text = "\n".join(line for step in steps for line in step["commands"])
    assert str(admin_secret) not in text

    before = sim.cluster_state(CLUSTER)
    app = next(a for a in sim.state()["applications"] if a["appId"] == before["clientId"])
    old_keys = {c["keyId"] for c in app["passwordCredentials"]}
    assert before["currentKeyId"] in old_keys

    # The admin is signed in already (the `az` fixture): every step after the sign-in runs, in one
    # shell, as the admin would paste them.
    body = "\n".join(line for step in steps[1:] for line in step["commands"])
    env = dict(az.env)
    env["PATH"] = f"{Path(os.environ.get('REKEY_AZ', ROOT / 'tests' / '.venv-azcli' / 'bin' / 'az')).parent}:{env['PATH']}"
    proc = subprocess.run(["bash", "-euo", "pipefail", "-c", body], env=env, capture_output=True, text=True,
                          timeout=600, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, f"the az script exited {proc.returncode}: {proc.stderr[-3000:]}"

    after = sim.cluster_state(CLUSTER)
    app = next(a for a in sim.state()["applications"] if a["appId"] == before["clientId"])
    keys_now = {c["keyId"] for c in app["passwordCredentials"]}
    assert after["provisioningState"] == "Succeeded", after
    assert after["clientId"] == before["clientId"], "the same application, a new secret"
    assert after["currentKeyId"] not in old_keys, "the cluster is on the new secret"
    assert after["currentKeyId"] in keys_now
    assert not (old_keys & keys_now), f"the old secrets were retired: {old_keys & keys_now}"
    # What az printed (the verification tables) names no secret.
    printed = proc.stdout + proc.stderr
    assert "Succeeded" in printed, printed[-2000:]
    for c in app["passwordCredentials"]:
        assert c.get("secretText") in (None, ""), "the simulator's state does not hold secret text"
