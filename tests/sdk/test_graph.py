"""Microsoft Graph through msgraph-sdk (GraphServiceClient over a GraphRequestAdapter whose base
URL is the simulator's /v1.0): application lookups, addPassword, removePassword."""

import uuid

import pytest
from azure.core.exceptions import ClientAuthenticationError
from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph.generated.applications.applications_request_builder import ApplicationsRequestBuilder
from msgraph.generated.applications.item.remove_password.remove_password_post_request_body import (
    RemovePasswordPostRequestBody,
)
from msgraph.generated.models.o_data_errors.o_data_error import ODataError

from sdkutil import ARM_SCOPE, make_credential


def test_application_by_object_id(sim, graph):
    expected = sim.application("aks-payments-sp")

    async def call(client):
        return await client.applications.by_application_id(expected["id"]).get()

    app = graph(call)
    assert app.id == expected["id"]
    assert app.app_id == expected["appId"]
    assert app.display_name == "aks-payments-sp"
    assert [str(p.key_id) for p in app.password_credentials] == [
        p["keyId"] for p in expected["passwordCredentials"]
    ]
    assert all(p.secret_text is None for p in app.password_credentials)  # only addPassword shows it
    assert all(p.end_date_time is not None for p in app.password_credentials)


def test_application_by_app_id_alternate_key(sim, graph):
    expected = sim.application("aks-aad-server")

    async def call(client):
        return await client.applications_with_app_id(expected["appId"]).get()

    app = graph(call)
    assert app.id == expected["id"]
    assert app.display_name == "aks-aad-server"


def test_application_by_filter(sim, graph):
    expected = sim.application("aks-stg-sp")

    async def call(client):
        query = ApplicationsRequestBuilder.ApplicationsRequestBuilderGetQueryParameters(
            filter=f"appId eq '{expected['appId']}'",
            select=["id", "appId", "displayName", "passwordCredentials"],
        )
        return await client.applications.get(request_configuration=RequestConfiguration(query_parameters=query))

    result = graph(call)
    assert [(a.id, a.app_id, a.display_name) for a in result.value] == [
        (expected["id"], expected["appId"], "aks-stg-sp")
    ]


def test_application_filter_without_match_is_empty(graph):
    async def call(client):
        query = ApplicationsRequestBuilder.ApplicationsRequestBuilderGetQueryParameters(
            filter=f"appId eq '{uuid.uuid4()}'"
        )
        return await client.applications.get(request_configuration=RequestConfiguration(query_parameters=query))

    assert graph(call).value == []


def test_missing_application_raises_odata_error_404(graph):
    async def call(client):
        return await client.applications.by_application_id(str(uuid.uuid4())).get()

    with pytest.raises(ODataError) as raised:
        graph(call)
    assert raised.value.response_status_code == 404
    assert raised.value.error.code == "Request_ResourceNotFound"


def test_add_password_gives_a_working_secret(sim, add_password):
    app = sim.application("aks-ops-sp")
    key_id, secret = add_password(app["id"], "sdk-add")

    state = sim.application("aks-ops-sp")
    added = [p for p in state["passwordCredentials"] if p["keyId"] == key_id]
    assert len(added) == 1 and added[0]["displayName"] == "sdk-add"
    assert secret.startswith(added[0]["hint"])  # the hint is the first 3 characters

    cred = make_credential(sim, app["appId"], secret)
    try:
        assert cred.get_token(ARM_SCOPE).token
    finally:
        cred.close()


def test_remove_password_revokes_the_secret(sim, graph, add_password):
    app = sim.application("aks-edge-sp")
    key_id, secret = add_password(app["id"], "sdk-remove")
    cred = make_credential(sim, app["appId"], secret)
    try:
        assert cred.get_token(ARM_SCOPE).token  # works before removal
    finally:
        cred.close()

    async def call(client):
        body = RemovePasswordPostRequestBody(key_id=uuid.UUID(key_id))
        return await client.applications.by_application_id(app["id"]).remove_password.post(body)

    assert graph(call) is None  # 204 No Content
    assert key_id not in [p["keyId"] for p in sim.application("aks-edge-sp")["passwordCredentials"]]

    # A new credential (its own token cache) with the removed secret is refused.
    cred = make_credential(sim, app["appId"], secret)
    try:
        with pytest.raises(ClientAuthenticationError) as raised:
            cred.get_token(ARM_SCOPE)
    finally:
        cred.close()
    assert "AADSTS7000215" in str(raised.value)
