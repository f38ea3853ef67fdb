"""A move plan "in az terms" does, run by the Azure CLI, what Rekey says the move does.

`rekey migrate --plan --az --json` (signed in to the simulator as its administrator) writes the
commands of one cluster's move to a new user-assigned identity; they run here in one bash with the
real `az`, and the simulator's state is the judge: the cluster ends on its managed identity, every
node pool's kubelet too, the kubelet identity holds AcrPull on the attached registry, and the old
principal has no secret left. No command holds a secret.

aks-payments (Contoso Production, an attached registry) is moved by no other test of this suite.
"""

from __future__ import annotations

from azutil import rekey_json

CLUSTER, SUBSCRIPTION, RESOURCE_GROUP = "aks-payments", "Contoso Production", "rg-payments"


def test_the_move_plans_az_commands_move_the_cluster_as_rekey_would(az, sim, admin_secret, tmp_path):
    sub = next(s["id"] for s in sim.state()["subscriptions"] if s["displayName"] == SUBSCRIPTION)
    identity = (f"/subscriptions/{sub}/resourceGroups/{RESOURCE_GROUP}/providers/"
                "Microsoft.ManagedIdentity/userAssignedIdentities/aks-payments-identity")
    before = sim.cluster_state(CLUSTER)
    assert before["identity"] == "servicePrincipal"
    app = next(a for a in sim.state()["applications"] if a["appId"] == before["clientId"])
    assert app["passwordCredentials"], "the principal has secrets to retire"

    scripts = rekey_json(sim, admin_secret, tmp_path, "migrate", "--cluster", CLUSTER, "--identity", identity,
                         "--retire-old", "now", "--plan", "--az", "--json")
    assert [s["cluster"] for s in scripts] == [CLUSTER], scripts
    steps = scripts[0]["steps"]
    assert steps[0]["commands"][0].startswith("az login --tenant "), steps[0]
    text = scripts[0]["text"]
    assert str(admin_secret) not in text
    for expected in ("az identity create", "--enable-managed-identity --assign-identity",
                     "--node-image-only", "az ad app credential delete"):
        assert expected in text, f"{expected!r} not in\n{text}"

    # The admin is signed in already (the `az` fixture): every step after the sign-in runs, in one
    # shell, as the admin would paste them.
    proc = az.run_script(steps)
    assert proc.returncode == 0, f"the az script exited {proc.returncode}: {proc.stderr[-3000:]}"

    state = sim.state()
    after = next(c for c in state["clusters"] if c["name"] == CLUSTER)
    assert after["provisioningState"] == "Succeeded", after
    assert after["identity"] == "managedIdentity"
    assert after["clientId"] == "msi"
    assert after["userAssignedIdentity"].lower() == identity.lower()
    made = next(i for i in state["identities"] if i["id"].lower() == identity.lower())
    assert after["principalId"] == made["principalId"]
    assert [(p["provisioningState"], p["nodesUse"]) for p in after["agentPools"]] == [
        ("Succeeded", "kubeletIdentity") for _ in after["agentPools"]
    ]
    kubelet = after["kubeletIdentity"]["objectId"]
    assert any(r["principalId"] == kubelet and r["role"] == "AcrPull" and "/registries/acrpayments" in r["scope"]
               for r in state["roleAssignments"]), "the kubelet identity pulls from the registry"
    app = next(a for a in state["applications"] if a["appId"] == before["clientId"])
    sp = next(s for s in state["servicePrincipals"] if s["appId"] == before["clientId"])
    assert app["passwordCredentials"] == [] and sp["passwordCredentials"] == [], "the old secrets are gone"
    # What az printed (the verification tables) names no secret.
    printed = proc.stdout + proc.stderr
    assert "msi" in printed and "Succeeded" in printed, printed[-2000:]
