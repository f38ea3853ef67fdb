"""ARM through the management SDKs: subscriptions, managed clusters, credential resets (LROs).

The simulator pages every ARM list by 2 (`--page-size 2`), so each list here follows nextLink.
"""

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.containerservice.models import (
    ManagedClusterAADProfile,
    ManagedClusterServicePrincipalProfile,
)
from azure.mgmt.resource.subscriptions import SubscriptionClient

from sdkutil import DEMO_CLUSTERS, DEMO_SUBSCRIPTIONS, LRO_TIMEOUT, Secret, arm_kwargs


def test_subscriptions_list(sim, credential):
    with SubscriptionClient(credential, **arm_kwargs(sim)) as client:
        subs = list(client.subscriptions.list())
    assert sorted(s.display_name for s in subs) == sorted(DEMO_SUBSCRIPTIONS)
    assert len({s.subscription_id for s in subs}) == 3
    for s in subs:
        assert s.id == f"/subscriptions/{s.subscription_id}"
        assert s.tenant_id == sim.tenant_id
        assert s.state == "Enabled"


def test_managed_clusters_list_covers_every_subscription(aks):
    seen = []
    for subscription in sorted(DEMO_SUBSCRIPTIONS):
        seen += [c.name for c in aks(subscription).managed_clusters.list()]
    assert sorted(seen) == sorted(DEMO_CLUSTERS)  # every cluster exactly once


def test_managed_clusters_list_by_resource_group(aks):
    prod = aks("Contoso Production")
    assert sorted(c.name for c in prod.managed_clusters.list_by_resource_group("rg-prod-weu")) == [
        "aks-prod-weu",
        "aks-prod-weu-2",
    ]
    assert [c.name for c in prod.managed_clusters.list_by_resource_group("rg-web")] == ["aks-web-msi"]
    staging = aks("Contoso Staging")
    assert sorted(c.name for c in staging.managed_clusters.list_by_resource_group("rg-stg")) == [
        "aks-stg-eus",
        "aks-stg-weu",
    ]


def test_managed_cluster_get_service_principal_cluster(sim, aks, subscription_ids):
    cluster = aks().managed_clusters.get("rg-prod-weu", "aks-prod-weu")
    app = sim.application("aks-prod-weu-sp")
    assert cluster.name == "aks-prod-weu"
    assert cluster.id.lower() == (
        f"/subscriptions/{subscription_ids['Contoso Production']}/resourcegroups/rg-prod-weu"
        "/providers/microsoft.containerservice/managedclusters/aks-prod-weu"
    )
    assert cluster.location == "westeurope"
    assert cluster.provisioning_state == "Succeeded"
    assert cluster.power_state.code == "Running"
    assert cluster.service_principal_profile.client_id == app["appId"]
    assert cluster.service_principal_profile.secret is None  # ARM never returns it


def test_managed_cluster_get_msi_cluster(aks):
    cluster = aks().managed_clusters.get("rg-web", "aks-web-msi")
    assert cluster.service_principal_profile.client_id == "msi"
    assert cluster.identity is not None and cluster.identity.type in ("SystemAssigned", "UserAssigned")
    assert cluster.aad_profile.managed is True


def test_managed_cluster_get_legacy_aad_cluster(sim, aks):
    cluster = aks().managed_clusters.get("rg-portal", "aks-portal-legacy")
    aad = cluster.aad_profile
    assert not aad.managed
    assert aad.server_app_id == sim.application("aks-aad-server")["appId"]
    assert aad.client_app_id == sim.application("aks-aad-client")["appId"]
    assert aad.server_app_secret is None


def test_managed_cluster_get_missing_raises_not_found(aks):
    with pytest.raises(ResourceNotFoundError) as raised:
        aks().managed_clusters.get("rg-prod-weu", "aks-does-not-exist")
    assert raised.value.status_code == 404
    assert raised.value.error.code == "ResourceNotFound"


def test_reset_service_principal_profile(sim, aks, add_password):
    app = sim.application("aks-prod-weu-sp")
    sibling_key_before = sim.cluster_state("aks-prod-weu-2")["currentKeyId"]
    key_id, secret = add_password(app["id"], "sdk-reset-sp")
    assert sim.cluster_state("aks-prod-weu")["currentKeyId"] != key_id

    client = aks()
    poller = client.managed_clusters.begin_reset_service_principal_profile(
        "rg-prod-weu",
        "aks-prod-weu",
        ManagedClusterServicePrincipalProfile(client_id=app["appId"], secret=secret),
    )
    assert poller.result(timeout=LRO_TIMEOUT) is None  # final-state-via location: no body
    assert poller.done() and poller.status() == "Succeeded"

    assert sim.cluster_state("aks-prod-weu")["currentKeyId"] == key_id
    cluster = client.managed_clusters.get("rg-prod-weu", "aks-prod-weu")
    assert cluster.provisioning_state == "Succeeded"
    assert cluster.service_principal_profile.client_id == app["appId"]
    # The other cluster of the same service principal keeps the secret it had.
    assert sim.cluster_state("aks-prod-weu-2")["currentKeyId"] == sibling_key_before


def test_reset_aad_profile(sim, aks, add_password):
    server = sim.application("aks-aad-server")
    client_app = sim.application("aks-aad-client")
    key_id, secret = add_password(server["id"], "sdk-reset-aad")

    client = aks()
    poller = client.managed_clusters.begin_reset_aad_profile(
        "rg-portal",
        "aks-portal-legacy",
        ManagedClusterAADProfile(
            client_app_id=client_app["appId"],
            server_app_id=server["appId"],
            server_app_secret=secret,
            tenant_id=sim.tenant_id,
        ),
    )
    assert poller.result(timeout=LRO_TIMEOUT) is None
    assert poller.done() and poller.status() == "Succeeded"

    aad = sim.cluster_state("aks-portal-legacy")["aad"]
    assert aad["kind"] == "legacy"
    assert aad.get("currentServerKeyId") == key_id
    cluster = client.managed_clusters.get("rg-portal", "aks-portal-legacy")
    assert cluster.provisioning_state == "Succeeded"
    assert cluster.aad_profile.server_app_id == server["appId"]


def test_reset_service_principal_profile_on_msi_cluster_is_refused(aks):
    with pytest.raises(HttpResponseError) as raised:
        aks().managed_clusters.begin_reset_service_principal_profile(
            "rg-web",
            "aks-web-msi",
            ManagedClusterServicePrincipalProfile(
                client_id="00000000-0000-0000-0000-000000000001", secret=Secret("not-a-real-secret")
            ),
        )
    error = raised.value
    assert error.status_code == 400
    assert error.error.code == "BadRequest"
    assert "not using a service principal" in error.error.message
    assert "not using a service principal" in str(error)


def test_reset_service_principal_profile_with_a_wrong_secret_is_refused(sim, aks):
    app = sim.application("aks-stg-sp")
    key_before = sim.cluster_state("aks-stg-weu")["currentKeyId"]
    with pytest.raises(HttpResponseError) as raised:
        aks("Contoso Staging").managed_clusters.begin_reset_service_principal_profile(
            "rg-stg",
            "aks-stg-weu",
            ManagedClusterServicePrincipalProfile(client_id=app["appId"], secret=Secret("wrong-secret-value")),
        )
    assert raised.value.status_code == 400
    assert raised.value.error.code == "BadRequest"
    assert "The credentials in ServicePrincipalProfile were invalid" in raised.value.error.message
    assert "AADSTS7000215" in raised.value.error.message
    assert sim.cluster_state("aks-stg-weu")["currentKeyId"] == key_before


def test_aks_sdk_default_api_version(aks):
    client = aks(api_version=None)
    assert client._config.api_version == "2026-08-01"
    assert client.managed_clusters.get("rg-prod-weu", "aks-prod-weu").name == "aks-prod-weu"
