"""Microsoft Graph beta's sign-in activity reports through msgraph-beta-sdk (GraphServiceClient
over a GraphRequestAdapter whose base URL is the simulator's /beta): both reports for the demo
tenant, paged with @odata.nextLink, and the keyId of a fresh client-credentials sign-in."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from kiota_abstractions.base_request_configuration import RequestConfiguration

from sdkutil import ARM_SCOPE, make_credential


@pytest.fixture
def beta(graph):
    """`beta(fn)`: the suite's `graph` fixture on msgraph-beta-sdk."""
    return lambda fn: graph(fn, beta=True)


async def _all_pages(builder, query=None):
    """Every row of a report, following @odata.nextLink as an SDK user does."""
    page = await builder.get(request_configuration=RequestConfiguration(query_parameters=query) if query else None)
    rows = list(page.value)
    while page.odata_next_link:
        page = await builder.with_url(page.odata_next_link).get()
        rows.extend(page.value)
    return rows


def test_both_reports_cover_every_demo_secret(sim, beta):
    from msgraph_beta.generated.models.application_key_origin import ApplicationKeyOrigin
    from msgraph_beta.generated.models.application_key_type import ApplicationKeyType
    from msgraph_beta.generated.reports.app_credential_sign_in_activities.app_credential_sign_in_activities_request_builder import (
        AppCredentialSignInActivitiesRequestBuilder,
    )

    async def call(client):
        # A small page: the SDK user follows nextLink.
        query = AppCredentialSignInActivitiesRequestBuilder.AppCredentialSignInActivitiesRequestBuilderGetQueryParameters(top=4)
        credentials = await _all_pages(client.reports.app_credential_sign_in_activities, query)
        principals = await _all_pages(client.reports.service_principal_sign_in_activities)
        return credentials, principals

    credentials, principals = beta(call)
    by_key = {str(c.key_id): c for c in credentials}
    state = sim.state()
    demo_apps = [
        o
        for o in state["applications"] + state["servicePrincipals"]
        if o["tenantId"] == sim.tenant_id and o["displayName"] != "rekey-demo-admin"
    ]
    # The scenario's own credentials (12); other tests of the session add and remove some of theirs.
    seeded = {"rbac", "aad", "CN=aks-ops-sp"}
    keys = [
        (o, c)
        for o in demo_apps
        for c in o["passwordCredentials"] + o["keyCredentials"]
        if c["displayName"] in seeded
    ]
    assert len(keys) >= 8, keys
    for owner, c in keys:
        row = by_key.get(c["keyId"])
        assert row is not None, f"{owner['displayName']} {c['keyId']} has no last use"
        assert str(row.app_id) == owner["appId"]
        assert row.sign_in_activity.last_sign_in_date_time < datetime.now(timezone.utc) + timedelta(minutes=1)
        assert row.key_type in (ApplicationKeyType.ClientSecret, ApplicationKeyType.Certificate)
    payments = sim.application("aks-payments-sp")
    origins = {row.credential_origin for row in credentials if str(row.app_id) == payments["appId"]}
    assert origins == {ApplicationKeyOrigin.Application, ApplicationKeyOrigin.ServicePrincipal}
    prod = sim.application("aks-prod-weu-sp")
    row = next(p for p in principals if str(p.app_id) == prod["appId"])
    assert row.application_authentication_client_sign_in_activity.last_sign_in_date_time is not None
    assert row.last_sign_in_activity.last_sign_in_request_id
    assert row.delegated_client_sign_in_activity is None


def test_a_fresh_sign_in_is_reported_under_its_key_id(sim, add_password, beta):
    from msgraph_beta.generated.models.application_key_origin import ApplicationKeyOrigin
    from msgraph_beta.generated.models.application_key_type import ApplicationKeyType
    from msgraph_beta.generated.reports.app_credential_sign_in_activities.app_credential_sign_in_activities_request_builder import (
        AppCredentialSignInActivitiesRequestBuilder,
    )

    app = sim.application("aks-batch-sp")
    key_id, secret = add_password(app["id"], "sdk-reports")
    cred = make_credential(sim, app["appId"], secret)
    try:
        assert cred.get_token(ARM_SCOPE).token
    finally:
        cred.close()

    async def call(client):
        query = AppCredentialSignInActivitiesRequestBuilder.AppCredentialSignInActivitiesRequestBuilderGetQueryParameters(
            filter=f"appId eq '{app['appId']}'"
        )
        listed = await client.reports.app_credential_sign_in_activities.get(
            request_configuration=RequestConfiguration(query_parameters=query)
        )
        row = next(r for r in listed.value if str(r.key_id) == key_id)
        one = await client.reports.app_credential_sign_in_activities.by_app_credential_sign_in_activity_id(row.id).get()
        return listed, row, one

    listed, row, one = beta(call)
    assert all(str(r.app_id) == app["appId"] for r in listed.value)
    assert row.credential_origin == ApplicationKeyOrigin.Application
    assert row.key_type == ApplicationKeyType.ClientSecret
    assert str(row.app_object_id) == app["id"]
    assert row.resource_id == "797f4846-ba00-4fd7-ba43-dac1f8f63013"  # Azure Resource Manager
    assert abs(row.sign_in_activity.last_sign_in_date_time - datetime.now(timezone.utc)) < timedelta(minutes=2)
    assert row.expiration_date_time is not None and row.created_date_time is not None
    assert str(one.key_id) == key_id and one.sign_in_activity.last_sign_in_request_id == row.sign_in_activity.last_sign_in_request_id
