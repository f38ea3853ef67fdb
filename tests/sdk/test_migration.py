"""Moving a cluster from a service principal to a managed identity through Azure's own SDKs:
azure-mgmt-msi (user-assigned identities), azure-mgmt-authorization (a role at a subnet's scope),
azure-mgmt-containerservice (`managed_clusters.begin_create_or_update` with a new `identity`,
`agent_pools.begin_upgrade_node_image_version`).

The session shares one simulator: these tests move only aks-ops-tools (Contoso Platform) and the
private cluster aks-stg-weu (Contoso Staging), which no other test of the suite reads beyond its name
and its reset refusal.
"""

import time
import uuid

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.authorization.models import RoleAssignmentCreateParameters
from azure.mgmt.containerservice.models import ManagedClusterIdentity, UserAssignedIdentity
from azure.mgmt.msi import ManagedServiceIdentityClient
from azure.mgmt.msi.models import Identity

from sdkutil import LRO_TIMEOUT, arm_kwargs

NETWORK_CONTRIBUTOR = "4d97b98b-1d4f-4787-a291-c67834d212e7"
PRIVATE_DNS_ZONE_CONTRIBUTOR = "b12aa53e-6015-4669-85d0-8515ebb3ae7f"
ZONE_REFUSED = "CustomPrivateDNSZoneMissingPermissionError"


def assign(client: AuthorizationManagementClient, sub: str, scope: str, role: str, principal: str):
    """A built-in role (by GUID) for a service principal at `scope`."""
    return client.role_assignments.create(
        scope,
        str(uuid.uuid4()),
        RoleAssignmentCreateParameters(
            role_definition_id=f"/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{role}",
            principal_id=principal,
            principal_type="ServicePrincipal",
        ),
    )


@pytest.fixture
def msi(sim, credential, subscription_ids):
    def make(subscription: str = "Contoso Platform"):
        return ManagedServiceIdentityClient(credential, subscription_ids[subscription], **arm_kwargs(sim))

    return make


def test_user_assigned_identities(msi, sim):
    client = msi()
    created = client.user_assigned_identities.create_or_update(
        "rg-ops", "id-sdk", Identity(location="westeurope", tags={"purpose": "sdk"})
    )
    assert created.name == "id-sdk"
    assert uuid.UUID(created.principal_id) and uuid.UUID(created.client_id)
    assert created.tenant_id == sim.tenant_id
    got = client.user_assigned_identities.get("rg-ops", "id-sdk")
    assert (got.principal_id, got.client_id) == (created.principal_id, created.client_id)
    assert "id-sdk" in [i.name for i in client.user_assigned_identities.list_by_resource_group("rg-ops")]
    assert "id-sdk" in [i.name for i in client.user_assigned_identities.list_by_subscription()]
    # The identity is a service principal of the directory.
    assert any(sp["id"] == created.principal_id for sp in sim.state()["servicePrincipals"])
    client.user_assigned_identities.delete("rg-ops", "id-sdk")
    with pytest.raises(ResourceNotFoundError):
        client.user_assigned_identities.get("rg-ops", "id-sdk")


def test_role_assignment_at_a_subnet(sim, credential, subscription_ids, msi):
    sub = subscription_ids["Contoso Production"]
    subnet = next(c for c in sim.state()["clusters"] if c["name"] == "aks-prod-weu")["agentPools"][0]["vnetSubnetId"]
    assert subnet and "/subnets/" in subnet
    identity = msi("Contoso Production").user_assigned_identities.create_or_update(
        "rg-prod-weu", "id-sdk-subnet", Identity(location="westeurope")
    )
    with AuthorizationManagementClient(credential, sub, **arm_kwargs(sim)) as client:
        created = assign(client, sub, subnet, NETWORK_CONTRIBUTOR, identity.principal_id)
        assert created.scope == subnet
        mine = list(client.role_assignments.list_for_scope(subnet, filter=f"principalId eq '{identity.principal_id}'"))
        assert [a.id for a in mine] == [created.id]
        # Inherited at the subnet: the administrator's Owner at the subscription.
        inherited = list(client.role_assignments.list_for_scope(subnet, filter="atScope()"))
        assert any(a.scope == f"/subscriptions/{sub}" for a in inherited)
        # Listed from the subscription, below it, for the principal.
        below = list(client.role_assignments.list_for_subscription(filter=f"principalId eq '{identity.principal_id}'"))
        assert [a.scope for a in below] == [subnet]
        deleted = client.role_assignments.delete(subnet, created.name)
        assert deleted.id == created.id
        assert client.role_assignments.delete(subnet, created.name) is None
        with pytest.raises(HttpResponseError) as missing:
            list(client.role_assignments.list_for_scope(subnet.replace("snet-aks-prod", "snet-nope")))
        assert missing.value.error.code == "ResourceNotFound"


def test_move_to_managed_identity_then_upgrade_node_images(sim, aks):
    client = aks("Contoso Platform")
    cluster = client.managed_clusters.get("rg-ops", "aks-ops-tools")
    assert cluster.identity is None and cluster.service_principal_profile.client_id != "msi"
    cluster.identity = ManagedClusterIdentity(type="SystemAssigned")
    moved = client.managed_clusters.begin_create_or_update("rg-ops", "aks-ops-tools", cluster).result(timeout=LRO_TIMEOUT)
    assert moved.provisioning_state == "Succeeded"
    assert moved.identity.type == "SystemAssigned"
    assert uuid.UUID(moved.identity.principal_id) and moved.identity.tenant_id == sim.tenant_id
    assert moved.service_principal_profile.client_id == "msi"
    kubelet = moved.identity_profile["kubeletidentity"]
    assert f"/resourcegroups/{moved.node_resource_group.lower()}/" in kubelet.resource_id.lower()
    assert [p["nodesUse"] for p in sim.cluster_state("aks-ops-tools")["agentPools"]] == ["servicePrincipal"]

    # No way back to a service principal.
    moved.identity = None
    with pytest.raises(HttpResponseError) as refused:
        client.managed_clusters.begin_create_or_update("rg-ops", "aks-ops-tools", moved).result(timeout=LRO_TIMEOUT)
    assert refused.value.error.code == "BadRequest"
    assert refused.value.error.message == "Updating service principal profile is not allowed on MSI cluster."

    pools = list(client.agent_pools.list("rg-ops", "aks-ops-tools"))
    assert [p.name for p in pools] == ["nodepool1"]
    before = pools[0].node_image_version
    assert pools[0].upgrade_settings.max_surge == "10%"
    poller = client.agent_pools.begin_upgrade_node_image_version("rg-ops", "aks-ops-tools", "nodepool1")
    poller.result(timeout=LRO_TIMEOUT)
    pool = client.agent_pools.get("rg-ops", "aks-ops-tools", "nodepool1")
    assert pool.provisioning_state == "Succeeded"
    assert pool.node_image_version != before
    assert [p["nodesUse"] for p in sim.cluster_state("aks-ops-tools")["agentPools"]] == ["kubeletIdentity"]


def test_a_private_cluster_with_its_own_dns_zone_moves_only_to_an_identity_holding_the_zone(
    sim, aks, msi, credential, subscription_ids
):
    """AKS's rule (docs aks/private-clusters): a custom private DNS zone takes a user-assigned
    identity with Private DNS Zone Contributor on the zone, checked before the update starts."""
    sub = subscription_ids["Contoso Staging"]
    client = aks("Contoso Staging")
    cluster = client.managed_clusters.get("rg-stg", "aks-stg-weu")
    zone = cluster.api_server_access_profile.private_dns_zone
    assert cluster.api_server_access_profile.enable_private_cluster
    assert "/providers/Microsoft.Network/privateDnsZones/" in zone

    def refused(identity: ManagedClusterIdentity) -> str:
        cluster.identity = identity
        with pytest.raises(HttpResponseError) as e:
            client.managed_clusters.begin_create_or_update("rg-stg", "aks-stg-weu", cluster).result(
                timeout=LRO_TIMEOUT
            )
        assert e.value.status_code == 400
        assert e.value.error.code == ZONE_REFUSED, e.value.error
        assert zone in e.value.error.message
        assert sim.cluster_state("aks-stg-weu")["identity"] == "servicePrincipal"
        return e.value.error.message

    assert "privateDnsZones/read" in refused(ManagedClusterIdentity(type="SystemAssigned"))
    identity = msi("Contoso Staging").user_assigned_identities.create_or_update(
        "rg-stg", "id-sdk-private", Identity(location="westeurope")
    )
    user_assigned = ManagedClusterIdentity(
        type="UserAssigned", user_assigned_identities={identity.id: UserAssignedIdentity()}
    )
    refused(user_assigned)

    with AuthorizationManagementClient(credential, sub, **arm_kwargs(sim)) as authz:
        assign(authz, sub, zone, PRIVATE_DNS_ZONE_CONTRIBUTOR, identity.principal_id)
    # Azure RBAC applies a new role after a while: AKS refuses until then, then moves the cluster.
    deadline = time.monotonic() + 30
    while True:
        cluster.identity = user_assigned
        try:
            moved = client.managed_clusters.begin_create_or_update("rg-stg", "aks-stg-weu", cluster).result(
                timeout=LRO_TIMEOUT
            )
            break
        except HttpResponseError as e:
            assert e.error.code == ZONE_REFUSED and time.monotonic() < deadline, e.error
            time.sleep(1)
    assert moved.identity.type == "UserAssigned"
    assigned = {k.lower(): v for k, v in moved.identity.user_assigned_identities.items()}
    assert assigned[identity.id.lower()].principal_id == identity.principal_id
    assert moved.service_principal_profile.client_id == "msi"
    assert moved.api_server_access_profile.private_dns_zone == zone
