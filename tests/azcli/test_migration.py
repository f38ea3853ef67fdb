"""Moving a cluster from its service principal to a managed identity with the Azure CLI, as the AKS
docs do it (aks/use-managed-identity, "Update an existing cluster to use a system-assigned / a
user-assigned managed identity"): `az aks update --enable-managed-identity [--assign-identity ID]`,
then `az aks nodepool upgrade --node-image-only` so that the kubelet moves too.

The simulator's control API (`/_sim/state`) is the judge. These tests move clusters no other test
of the suite uses (aks-ops-tools in Contoso Platform, aks-stg-weu in Contoso Staging).
"""

from __future__ import annotations

import time


def subscription(sim, name: str) -> str:
    return next(s["id"] for s in sim.state()["subscriptions"] if s["displayName"] == name)


def test_update_to_a_system_assigned_identity_then_upgrade_the_node_image(az, sim):
    sub = subscription(sim, "Contoso Platform")
    before = sim.cluster_state("aks-ops-tools")
    assert before["identity"] == "servicePrincipal"
    cluster = az(
        "aks", "update", "--resource-group", "rg-ops", "--name", "aks-ops-tools",
        "--enable-managed-identity", "--yes", "--subscription", sub,
    ).json()
    assert cluster["identity"]["type"] == "SystemAssigned"
    assert cluster["servicePrincipalProfile"]["clientId"] == "msi"
    assert cluster["provisioningState"] == "Succeeded"
    after = sim.cluster_state("aks-ops-tools")
    assert after["identity"] == "managedIdentity"
    assert after["principalId"] == cluster["identity"]["principalId"]
    assert after["kubeletIdentity"]["objectId"] == cluster["identityProfile"]["kubeletidentity"]["objectId"]
    # The kubelet keeps the service principal until the node image is upgraded.
    assert [p["nodesUse"] for p in after["agentPools"]] == ["servicePrincipal"]

    pool = az(
        "aks", "nodepool", "upgrade", "--resource-group", "rg-ops", "--cluster-name", "aks-ops-tools",
        "--name", "nodepool1", "--node-image-only", "--yes", "--subscription", sub,
    )
    assert pool.code == 0
    upgraded = sim.cluster_state("aks-ops-tools")["agentPools"]
    assert [(p["provisioningState"], p["nodesUse"]) for p in upgraded] == [("Succeeded", "kubeletIdentity")]
    assert upgraded[0]["nodeImageVersion"] != before["agentPools"][0]["nodeImageVersion"]


def test_update_to_a_user_assigned_identity(az, sim):
    """aks-stg-weu is a private cluster with its own private DNS zone: AKS takes a user-assigned
    identity holding Private DNS Zone Contributor there (docs aks/private-clusters), and refuses
    until Azure applies the role (CustomPrivateDNSZoneMissingPermissionError)."""
    sub = subscription(sim, "Contoso Staging")
    zone = az(
        "aks", "show", "--resource-group", "rg-stg", "--name", "aks-stg-weu", "--subscription", sub,
        "--query", "apiServerAccessProfile.privateDnsZone", "--output", "tsv",
    ).out.strip()
    assert "/privateDnsZones/" in zone, zone
    refused = az(
        "aks", "update", "--resource-group", "rg-stg", "--name", "aks-stg-weu",
        "--enable-managed-identity", "--yes", "--subscription", sub, check=False,
    )
    assert refused.code != 0 and "CustomPrivateDNSZoneMissingPermissionError" in refused.err, refused.err[-2000:]
    identity = az(
        "identity", "create", "--resource-group", "rg-stg", "--name", "id-aks-stg",
        "--location", "westeurope", "--subscription", sub,
    ).json()
    az(
        "role", "assignment", "create", "--assignee-object-id", identity["principalId"],
        "--assignee-principal-type", "ServicePrincipal", "--role", "Private DNS Zone Contributor",
        "--scope", zone, "--subscription", sub,
    )
    update = [
        "aks", "update", "--resource-group", "rg-stg", "--name", "aks-stg-weu",
        "--enable-managed-identity", "--assign-identity", identity["id"], "--yes", "--subscription", sub,
    ]
    deadline = time.monotonic() + 30
    while (result := az(*update, check=False)).code != 0:
        assert "CustomPrivateDNSZoneMissingPermissionError" in result.err, result.err[-2000:]
        assert time.monotonic() < deadline, "the zone's role never took effect"
        time.sleep(1)
    cluster = result.json()
    assert cluster["identity"]["type"] == "UserAssigned"
    assigned = {k.lower(): v for k, v in cluster["identity"]["userAssignedIdentities"].items()}
    assert assigned[identity["id"].lower()]["principalId"] == identity["principalId"]
    assert cluster["servicePrincipalProfile"]["clientId"] == "msi"
    state = sim.cluster_state("aks-stg-weu")
    assert state["userAssignedIdentity"].lower() == identity["id"].lower()
    assert state["principalId"] == identity["principalId"]


def test_a_missing_user_assigned_identity_is_refused(az, sim):
    sub = subscription(sim, "Contoso Staging")
    missing = f"/subscriptions/{sub}/resourceGroups/rg-stg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/nope"
    refused = az(
        "aks", "update", "--resource-group", "rg-stg", "--name", "aks-stg-weu",
        "--enable-managed-identity", "--assign-identity", missing, "--yes", "--subscription", sub,
        check=False,
    )
    assert refused.code != 0
    assert "FailedIdentityOperation" in refused.err or "was not found" in refused.err, refused.err[-2000:]
    assert sim.cluster_state("aks-stg-weu")["identity"] == "managedIdentity"
