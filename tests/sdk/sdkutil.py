"""Shared helpers of the SDK compatibility suite: the simulator handle, secrets, constants."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path

import requests

HTTP_TIMEOUT = 30
# A reset runs a few seconds of simulated time; the poller must be done well within this.
LRO_TIMEOUT = 60

ARM_SCOPE = "https://management.azure.com/.default"
# None: the SDK's own default (azure-mgmt-containerservice 41.8.0 sends 2026-08-01).
AKS_API_VERSION = None
GRAPH_SCOPE = "https://graph.microsoft.com/.default"

# The demo tenant (crates/rekey-sim/src/scenario/demo.toml).
DEMO_SUBSCRIPTIONS = {"Contoso Production", "Contoso Staging", "Contoso Platform"}
DEMO_CLUSTERS = {
    "aks-prod-weu",
    "aks-prod-weu-2",
    "aks-payments",
    "aks-web-msi",
    "aks-portal-legacy",
    "aks-stg-weu",
    "aks-stg-eus",
    "aks-stg-batch",
    "aks-ops-tools",
    "aks-ci-runners",
    "aks-monitoring",
    "aks-edge-legacy",
}


class Secret(str):
    """A secret string that never shows itself in a repr (assertion messages, tracebacks)."""

    def __repr__(self) -> str:
        return "Secret(<redacted>)"


@dataclass
class Sim:
    base_url: str  # ends with "/"
    ca_pem: str
    tenant_id: str
    demo_client_id: str
    admin_token: Secret
    stderr_path: Path

    @property
    def authority(self) -> str:
        return self.base_url.rstrip("/")

    def control(self, method: str, path: str, body: dict | None = None) -> requests.Response:
        """A call to the control API `/_sim/…` with the admin token."""
        return requests.request(
            method,
            f"{self.base_url}_sim/{path}",
            json=body,
            headers={"Authorization": f"Bearer {self.admin_token}"},
            verify=self.ca_pem,
            timeout=HTTP_TIMEOUT,
        )

    def state(self) -> dict:
        r = self.control("GET", "state")
        assert r.status_code == 200, f"GET /_sim/state: {r.status_code} {r.text[:500]}"
        return r.json()

    def cluster_state(self, name: str) -> dict:
        matches = [c for c in self.state()["clusters"] if c["name"] == name]
        assert len(matches) == 1, f"/_sim/state has {len(matches)} clusters named {name}"
        return matches[0]

    def application(self, display_name: str) -> dict:
        matches = [a for a in self.state()["applications"] if a["displayName"] == display_name]
        assert len(matches) == 1, f"/_sim/state has {len(matches)} applications named {display_name}"
        return matches[0]


def make_credential(sim: Sim, client_id: str, secret: str):
    """azure-identity's ClientSecretCredential pointed at the simulator's login endpoints."""
    from azure.identity import ClientSecretCredential

    return ClientSecretCredential(
        sim.tenant_id,
        client_id,
        secret,
        authority=sim.authority,
        disable_instance_discovery=True,
        connection_timeout=10,
        read_timeout=HTTP_TIMEOUT,
    )


def arm_kwargs(sim: Sim) -> dict:
    """What every ARM management client needs to talk to the simulator."""
    return {
        "base_url": sim.base_url,
        "credential_scopes": [ARM_SCOPE],
        "connection_timeout": 10,
        "read_timeout": HTTP_TIMEOUT,
    }


def jwt_claims(token: str) -> dict:
    """The payload of a JWT, unverified (the simulator's signature is not what is under test)."""
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
