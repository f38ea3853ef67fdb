//! `GET /metadata/endpoints`: the cloud description clients bootstrap from.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use crate::context::{Sim, ARM_AUDIENCES};
use crate::request::SimRequest;
use crate::responses::arm_json;

pub(super) fn endpoints(sim: &Sim, req: &SimRequest) -> Response {
    let base = sim.base_url.as_str();
    let cloud = json!({
        "name": "RekeySimulator",
        "portal": base,
        "resourceManager": base,
        "gallery": base,
        "microsoftGraphResourceId": base,
        "authentication": {
            "loginEndpoint": base,
            "audiences": ARM_AUDIENCES,
            "tenant": "common",
            "identityProvider": "AAD"
        },
        "suffixes": {"storage": "core.windows.net", "keyVaultDns": "vault.azure.net", "acrLoginServer": "azurecr.io"}
    });
    // 2022-09-01 answers a list of clouds; older versions a single object.
    let body = if req.query.get("api-version").map(String::as_str) == Some("2022-09-01") {
        json!([cloud])
    } else {
        cloud
    };
    arm_json(StatusCode::OK, &body, false)
}
