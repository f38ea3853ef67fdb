"""Microsoft.Authorization through azure-mgmt-authorization: built-in role definitions (list at a
scope with `roleName eq`, get by ID) and role assignments at a resource group."""

import uuid

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.authorization.models import RoleAssignmentCreateParameters

from sdkutil import arm_kwargs

CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
ACR_PULL = "7f951dda-4ed3-4680-a7ca-43fe172d538d"


@pytest.fixture
def authz(sim, credential, subscription_ids):
    sub = subscription_ids["Contoso Production"]
    with AuthorizationManagementClient(credential, sub, **arm_kwargs(sim)) as client:
        yield client, sub


def test_role_definitions_by_name_at_a_resource_group(authz):
    client, sub = authz
    scope = f"/subscriptions/{sub}/resourceGroups/rg-prod-weu"
    found = list(client.role_definitions.list(scope, filter="roleName eq 'Contributor'"))
    assert [(d.name, d.role_name, d.role_type) for d in found] == [(CONTRIBUTOR, "Contributor", "BuiltInRole")]
    assert found[0].id == f"/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{CONTRIBUTOR}"
    assert found[0].permissions[0].actions == ["*"]


def test_role_definition_by_id(authz):
    client, sub = authz
    got = client.role_definitions.get_by_id(f"/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{ACR_PULL}")
    assert got.role_name == "AcrPull"
    with pytest.raises(ResourceNotFoundError):
        client.role_definitions.get(f"/subscriptions/{sub}", str(uuid.UUID(int=0)))


def test_role_assignment_at_a_resource_group(sim, authz):
    client, sub = authz
    scope = f"/subscriptions/{sub}/resourceGroups/rg-payments"
    sp = next(s for s in sim.state()["servicePrincipals"] if s["displayName"] == "aks-payments-sp")
    created = client.role_assignments.create(
        scope,
        str(uuid.uuid4()),
        RoleAssignmentCreateParameters(
            role_definition_id=f"/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{ACR_PULL}",
            principal_id=sp["id"],
            principal_type="ServicePrincipal",
        ),
    )
    assert created.scope == scope
    listed = list(client.role_assignments.list_for_scope(scope, filter="atScope()"))
    assert created.id in {a.id for a in listed}
    state = [ra for ra in sim.state()["roleAssignments"] if ra["id"] == created.name]
    assert [(ra["role"], ra["resourceGroup"]) for ra in state] == [("AcrPull", "rg-payments")]
    with pytest.raises(HttpResponseError) as missing:
        list(client.role_assignments.list_for_scope(f"/subscriptions/{sub}/resourceGroups/rg-nope"))
    assert missing.value.error.code == "ResourceGroupNotFound"
