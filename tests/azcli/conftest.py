"""The Azure CLI against rekey-sim: fixtures.

One simulator serves the session (`rekey-sim serve`). `az` (installed from PyPI into
tests/.venv-azcli, see tests/azcli/requirements.txt) runs as a subprocess with its own
AZURE_CONFIG_DIR, trusting the simulator's CA through REQUESTS_CA_BUNDLE only, and with an
unreachable HTTPS proxy for every host but loopback, so that nothing it does leaves the machine.

The custom cloud is set up as Azure's docs set up one (Azure Stack Hub's "Use an ARM endpoint with
the Azure CLI"): `az cloud register --endpoint-resource-manager` discovers the endpoints from the
simulator's metadata, and MSAL's instance discovery, which asks login.microsoftonline.com whether an
authority is known, is turned off with `az config set core.instance_discovery=false`.

Secrets never reach the output: they are held as `Secret`, whose repr is redacted.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "sdk"))
from azutil import AZ, CLOUD, Az  # noqa: E402
from sdkutil import HTTP_TIMEOUT, Secret, Sim  # noqa: E402
from simserve import NotReady, launch, stop  # noqa: E402

SIM = Path(os.environ.get("REKEY_SIM", ROOT / "target" / "debug" / "rekey-sim"))


@pytest.fixture(scope="session")
def sim():
    if not SIM.exists():
        pytest.fail(f"{SIM} is missing: run `cargo build -p rekey-sim` (or set REKEY_SIM)")
    if not AZ.exists():
        pytest.fail(f"{AZ} is missing: run scripts/setup-debian.sh test (or set REKEY_AZ)")
    try:
        proc, ready, log_path = launch([str(SIM), "serve", "--operation-ms", "300"], prefix="rekey-sim-azcli-")
    except NotReady as e:
        pytest.fail(str(e))
    try:
        yield Sim(
            base_url=ready["base_url"],
            ca_pem=ready["ca_pem"],
            tenant_id=ready["tenant_id"],
            demo_client_id=ready["demo_client_id"],
            admin_token=Secret(ready["admin_token"]),
            stderr_path=log_path,
        )
    finally:
        stop(proc)
        log_path.unlink(missing_ok=True)


@pytest.fixture(scope="session")
def admin_secret(sim: Sim) -> Secret:
    """A new secret of the demo administrator, added through Graph as an administrator would."""
    r = sim.control("POST", "token", {"principal": "rekey-demo-admin", "audience": "graph"})
    assert r.status_code == 200, f"POST /_sim/token: {r.status_code}"
    graph_token = Secret(r.json()["access_token"])
    r = requests.post(
        f"{sim.base_url}v1.0/applications(appId='{sim.demo_client_id}')/addPassword",
        json={"passwordCredential": {"displayName": "azcli-tests"}},
        headers={"Authorization": f"Bearer {graph_token}"},
        verify=sim.ca_pem,
        timeout=HTTP_TIMEOUT,
    )
    assert r.status_code == 200, f"addPassword for the demo admin: {r.status_code}"
    return Secret(r.json()["secretText"])


@pytest.fixture(scope="session")
def az(sim: Sim, admin_secret: Secret, tmp_path_factory):
    """`az`, with the simulator registered as a cloud and the demo administrator signed in on
    "Contoso Production"."""
    run = Az(tmp_path_factory.mktemp("azure-config"), sim.ca_pem)
    run("config", "set", "core.instance_discovery=false", "core.collect_telemetry=false")
    run("cloud", "register", "--name", CLOUD, "--endpoint-resource-manager", sim.base_url)
    run("cloud", "set", "--name", CLOUD)
    run(
        "login", "--service-principal", "--username", sim.demo_client_id,
        "--password", admin_secret, "--tenant", sim.tenant_id,
    )
    subscription = next(s["id"] for s in sim.state()["subscriptions"] if s["displayName"] == "Contoso Production")
    run("account", "set", "--subscription", subscription)
    yield run
    print(f"\naz: {run.calls} commands in {run.seconds:.1f} s")
