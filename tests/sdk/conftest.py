"""The Azure SDK for Python against rekey-sim: fixtures.

One simulator serves the whole session (`rekey-sim serve --page-size 2`, so every ARM list is
paged). The SDKs trust it through its CA file only: `REQUESTS_CA_BUNDLE` (requests, which
azure-core and MSAL use) and `SSL_CERT_FILE` (httpx, which msgraph-sdk uses) point at the CA it
prints, and nothing disables verification.

The demo administrator's secret is not printed by the simulator: the suite gets one the way an
administrator would, through Graph `addPassword`, with a Graph token minted by the control API.

Secrets never reach the output: they are held as `Secret`, whose repr is redacted, so neither an
assertion message nor a traceback shows one.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
from pathlib import Path

import pytest
import requests

from simserve import NotReady, launch, stop
from sdkutil import AKS_API_VERSION, GRAPH_SCOPE, HTTP_TIMEOUT, Secret, Sim, arm_kwargs, make_credential

ROOT = Path(__file__).resolve().parents[2]
SIM = Path(os.environ.get("REKEY_SIM", ROOT / "target" / "debug" / "rekey-sim"))


def _start_sim() -> tuple[subprocess.Popen, dict, Path]:
    if not SIM.exists():
        pytest.fail(f"{SIM} is missing: run `cargo build -p rekey-sim` (or set REKEY_SIM)")
    # Short credential resets keep the suite quick; paging by two exercises nextLink everywhere.
    try:
        return launch([str(SIM), "serve", "--page-size", "2", "--operation-ms", "500"], prefix="rekey-sim-sdk-")
    except NotReady as e:
        pytest.fail(str(e))


@pytest.fixture(scope="session")
def sim():
    proc, ready, stderr_path = _start_sim()
    saved = {k: os.environ.get(k) for k in ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE")}
    # Before any SDK client exists: requests reads REQUESTS_CA_BUNDLE per request, httpx reads
    # SSL_CERT_FILE when a client is made. Nothing else is trusted, nothing is unverified.
    os.environ["REQUESTS_CA_BUNDLE"] = ready["ca_pem"]
    os.environ["SSL_CERT_FILE"] = ready["ca_pem"]
    try:
        yield Sim(
            base_url=ready["base_url"],
            ca_pem=ready["ca_pem"],
            tenant_id=ready["tenant_id"],
            demo_client_id=ready["demo_client_id"],
            admin_token=Secret(ready["admin_token"]),
            stderr_path=stderr_path,
        )
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        stop(proc)
        stderr_path.unlink(missing_ok=True)


@pytest.fixture(scope="session")
def admin_secret(sim: Sim) -> Secret:
    """A new client secret of the demo administrator, added through Graph as an admin would."""
    r = sim.control("POST", "token", {"principal": "rekey-demo-admin", "audience": "graph"})
    shown = r.text[:300] if r.status_code >= 400 else "(body not shown)"
    assert r.status_code == 200, f"POST /_sim/token: {r.status_code} {shown}"
    graph_token = Secret(r.json()["access_token"])
    r = requests.post(
        f"{sim.base_url}v1.0/applications(appId='{sim.demo_client_id}')/addPassword",
        json={"passwordCredential": {"displayName": "sdk-tests"}},
        headers={"Authorization": f"Bearer {graph_token}"},
        verify=sim.ca_pem,
        timeout=HTTP_TIMEOUT,
    )
    # Only an error body may be shown: a success body holds the new secret.
    shown = r.text[:300] if r.status_code >= 400 else "(body not shown)"
    assert r.status_code == 200, f"addPassword for the demo admin: {r.status_code} {shown}"
    return Secret(r.json()["secretText"])


@pytest.fixture(scope="session")
def credential(sim: Sim, admin_secret: Secret):
    """The demo administrator as a ClientSecretCredential."""
    cred = make_credential(sim, sim.demo_client_id, admin_secret)
    yield cred
    cred.close()


@pytest.fixture(scope="session")
def subscription_ids(sim: Sim) -> dict[str, str]:
    """Display name → id of the subscriptions the demo administrator holds a role on, from the
    simulator's state (not from the SDK under test). The demo's guest tenant is not among them."""
    state = sim.state()
    admin = next(sp["id"] for sp in state["servicePrincipals"] if sp["displayName"] == "rekey-demo-admin")
    readable = {ra["subscriptionId"] for ra in state["roleAssignments"] if ra["principalId"] == admin}
    return {s["displayName"]: s["id"] for s in state["subscriptions"] if s["id"] in readable}


@pytest.fixture
def aks(sim: Sim, credential, subscription_ids):
    """A ContainerServiceClient factory for one subscription (by display name); `api_version=None`
    keeps the SDK's default."""
    from azure.mgmt.containerservice import ContainerServiceClient

    clients = []

    def make(subscription: str = "Contoso Production", api_version: str | None = AKS_API_VERSION):
        kwargs = arm_kwargs(sim)
        if api_version:
            kwargs["api_version"] = api_version
        client = ContainerServiceClient(credential, subscription_ids[subscription], **kwargs)
        clients.append(client)
        return client

    yield make
    for c in clients:
        c.close()


@pytest.fixture
def graph(sim: Sim, credential):
    """`graph(fn)` runs `await fn(client)` with a new msgraph-sdk GraphServiceClient on a new
    event loop (httpx's connection pool belongs to the loop that opened it). `cred=` signs in as
    someone other than the demo administrator; `beta=True` uses msgraph-beta-sdk on /beta."""

    def run(fn, cred=None, beta=False):
        async def main():
            from kiota_authentication_azure.azure_identity_authentication_provider import (
                AzureIdentityAuthenticationProvider,
            )

            if beta:
                from msgraph_beta import GraphRequestAdapter, GraphServiceClient
            else:
                from msgraph import GraphRequestAdapter, GraphServiceClient

            auth = AzureIdentityAuthenticationProvider(
                cred or credential, scopes=[GRAPH_SCOPE], allowed_hosts=["127.0.0.1"]
            )
            adapter = GraphRequestAdapter(auth)
            adapter.base_url = f"{sim.base_url}{'beta' if beta else 'v1.0'}"
            client = GraphServiceClient(request_adapter=adapter)
            try:
                return await fn(client)
            finally:
                await adapter._http_client.aclose()

        return asyncio.run(main())

    return run


@pytest.fixture
def add_password(graph):
    """`add_password(app_object_id, display_name)` adds a secret through msgraph-sdk's
    `add_password` and returns `(keyId, Secret)`."""
    from msgraph.generated.applications.item.add_password.add_password_post_request_body import (
        AddPasswordPostRequestBody,
    )
    from msgraph.generated.models.password_credential import PasswordCredential

    def add(app_object_id: str, display_name: str):
        async def call(client):
            body = AddPasswordPostRequestBody(
                password_credential=PasswordCredential(display_name=display_name)
            )
            return await client.applications.by_application_id(app_object_id).add_password.post(body)

        created = graph(call)
        # Only the two fields leave here: the model's repr would show secretText.
        key_id = created.key_id if created is not None else None
        secret = Secret((created.secret_text if created is not None else None) or "")
        del created
        assert key_id is not None, "addPassword returned no keyId"
        assert secret, "addPassword returned no secretText"
        return str(key_id), secret

    return add
