"""Key Vault through the Azure SDK for Python: the vaults in ARM (azure-mgmt-keyvault) and their
secrets (azure-keyvault-secrets), each vault on a host of its own.

The demo administrator is Key Vault Secrets Officer on the RBAC vault `kv-contoso-platform` and
holds only get/list in the access policies of `kv-contoso-legacy`.
"""

import uuid

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from sdkutil import HTTP_TIMEOUT, arm_kwargs

PLATFORM = "kv-contoso-platform"
LEGACY = "kv-contoso-legacy"


@pytest.fixture
def vaults(sim, credential, subscription_ids):
    """The demo vaults as azure-mgmt-keyvault lists them, by name (SDK's default api-version)."""
    from azure.mgmt.keyvault import KeyVaultManagementClient

    with KeyVaultManagementClient(credential, subscription_ids["Contoso Platform"], **arm_kwargs(sim)) as client:
        yield client, {v.name: v for v in client.vaults.list_by_subscription()}


@pytest.fixture
def secret_client(sim, credential, vaults):
    """A SecretClient factory for a demo vault, at the vaultUri ARM gives."""
    from azure.keyvault.secrets import SecretClient

    clients = []

    def make(name: str):
        client = SecretClient(
            vaults[1][name].properties.vault_uri,
            credential,
            # The SDK checks that the vault's host ends with the challenge resource's domain
            # (vault.azure.net), which a loopback vault (https://127.0.0.1:{port}/) cannot.
            verify_challenge_resource=False,
            connection_timeout=10,
            read_timeout=HTTP_TIMEOUT,
        )
        clients.append(client)
        return client

    yield make
    for c in clients:
        c.close()


def test_mgmt_lists_the_demo_vaults_with_their_own_hosts(sim, vaults):
    client, by_name = vaults
    assert sorted(by_name) == [LEGACY, PLATFORM]
    platform, legacy = by_name[PLATFORM], by_name[LEGACY]
    assert platform.properties.enable_rbac_authorization is True
    assert legacy.properties.enable_rbac_authorization is False
    assert platform.properties.enable_soft_delete is True
    assert platform.properties.soft_delete_retention_in_days == 90
    assert platform.properties.tenant_id == sim.tenant_id
    assert platform.properties.vault_uri.startswith("https://127.0.0.1:")
    assert platform.properties.vault_uri != legacy.properties.vault_uri
    assert sorted(legacy.properties.access_policies[0].permissions.secrets) == ["get", "list"]
    got = client.vaults.get("rg-platform-secrets", PLATFORM)
    assert got.properties.vault_uri == platform.properties.vault_uri
    with pytest.raises(ResourceNotFoundError):
        client.vaults.get("rg-platform-secrets", "kv-nowhere")


def test_secret_client_sets_gets_versions_deletes_and_recovers(secret_client):
    client = secret_client(PLATFORM)
    name = f"sdk-{uuid.uuid4().hex[:8]}"
    first = client.set_secret(name, "first-value", content_type="text/plain", tags={"rotation": "r1"})
    second = client.set_secret(name, "second-value")
    assert first.properties.version != second.properties.version
    assert len(first.properties.version) == 32
    assert first.properties.content_type == "text/plain"
    assert first.properties.tags == {"rotation": "r1"}
    assert first.properties.recovery_level == "Recoverable+Purgeable"
    assert client.get_secret(name).value == "second-value"
    assert client.get_secret(name, first.properties.version).value == "first-value"
    versions = sorted(p.version for p in client.list_properties_of_secret_versions(name))
    assert versions == sorted([first.properties.version, second.properties.version])
    assert name in [p.name for p in client.list_properties_of_secrets()]

    deleted = client.begin_delete_secret(name).result()
    assert deleted.name == name
    assert deleted.recovery_id.endswith(f"/deletedsecrets/{name}")
    assert deleted.scheduled_purge_date > deleted.deleted_date
    with pytest.raises(ResourceNotFoundError):
        client.get_secret(name)
    # The name stays taken while the secret can be recovered.
    with pytest.raises(HttpResponseError) as conflict:
        client.set_secret(name, "third-value")
    assert conflict.value.status_code == 409
    client.begin_recover_deleted_secret(name).result()
    assert client.get_secret(name).value == "second-value"


def test_a_read_only_access_policy_refuses_a_write(secret_client):
    client = secret_client(LEGACY)
    with pytest.raises(HttpResponseError) as refused:
        client.set_secret("sdk-refused", "value")
    assert refused.value.status_code == 403
    assert "does not have secrets set permission on key vault 'kv-contoso-legacy" in str(refused.value)
    # get and list are granted.
    assert list(client.list_properties_of_secrets()) == []
    with pytest.raises(ResourceNotFoundError):
        client.get_secret("sdk-refused")
