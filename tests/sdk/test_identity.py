"""azure-identity's ClientSecretCredential against the simulator's identity platform."""

import pytest
from azure.core.exceptions import ClientAuthenticationError

from sdkutil import ARM_SCOPE, GRAPH_SCOPE, Secret, jwt_claims, make_credential


def test_client_secret_credential_gets_an_arm_token(sim, credential):
    token = credential.get_token(ARM_SCOPE)
    claims = jwt_claims(token.token)
    assert claims["tid"] == sim.tenant_id
    assert sim.demo_client_id in (claims.get("appid"), claims.get("azp"))
    assert claims["aud"].rstrip("/") in {
        "https://management.azure.com",
        "https://management.core.windows.net",
    }
    assert token.expires_on > claims["iat"]


def test_client_secret_credential_gets_a_graph_token(sim, credential):
    claims = jwt_claims(credential.get_token(GRAPH_SCOPE).token)
    assert claims["tid"] == sim.tenant_id
    assert claims["aud"].rstrip("/") in {"https://graph.microsoft.com", "00000003-0000-0000-c000-000000000000"}


def test_wrong_secret_raises_client_authentication_error(sim, admin_secret):
    wrong = Secret(admin_secret[::-1] + "x")
    cred = make_credential(sim, sim.demo_client_id, wrong)
    try:
        with pytest.raises(ClientAuthenticationError) as raised:
            cred.get_token(ARM_SCOPE)
    finally:
        cred.close()
    assert "AADSTS7000215" in str(raised.value)


def test_unknown_client_id_raises_client_authentication_error(sim, admin_secret):
    cred = make_credential(sim, "00000000-0000-0000-0000-0000000000aa", admin_secret)
    try:
        with pytest.raises(ClientAuthenticationError) as raised:
            cred.get_token(ARM_SCOPE)
    finally:
        cred.close()
    assert "AADSTS700016" in str(raised.value)
