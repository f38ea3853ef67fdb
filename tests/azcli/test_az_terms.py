"""A rotation plan "in az terms" does, run by the Azure CLI, what Rekey says it does.

`rekey rotate --plan --az --json` (signed in to the simulator as its administrator) writes the
commands of a rotation; they run here in one bash, with the real `az` signed in as the article's
admin would be, and the simulator's state is the judge: the cluster ends on a new secret of its
own application, that secret was added beside the old one (never instead of it), the old one is
gone only at the end, and no secret value is in any command or in anything printed.
"""

from __future__ import annotations

from azutil import rekey_json

CLUSTER, SUBSCRIPTION = "aks-stg-weu", "Contoso Staging"


def test_the_plans_az_commands_rotate_the_cluster_as_rekey_would(az, sim, admin_secret, tmp_path):
    scripts = rekey_json(sim, admin_secret, tmp_path,
                         "rotate", "--cluster", CLUSTER, "--retire-old", "now", "--plan", "--az", "--json")
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
    proc = az.run_script(steps, timeout=600)
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
