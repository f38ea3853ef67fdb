//! The identity platform's OAuth error answers (with their AADSTS codes), and the request checks
//! every form endpoint makes before its own: POST only, a public client's ID.

use axum::http::{Method, StatusCode};
use axum::response::Response;
use uuid::Uuid;

use super::params::Params;
use super::tenancy::Tenancy;
use crate::context::Sim;
use crate::request::SimRequest;
use crate::responses::token_error;

/// The identity platform's answer to anything but a POST on its form endpoints.
pub(super) fn post_only(sim: &Sim, req: &SimRequest) -> Option<Response> {
    (req.method != Method::POST).then(|| {
        bad_request(
            sim,
            "invalid_request",
            900561,
            &format!(
                "The endpoint only accepts POST, OPTIONS requests. Received a {} request.",
                req.method
            ),
        )
    })
}

/// A 400 in the identity platform's error shape.
pub(super) fn bad_request(sim: &Sim, error: &str, aadsts: u32, description: &str) -> Response {
    token_error(StatusCode::BAD_REQUEST, error, aadsts, description, sim)
}

pub(super) fn missing(sim: &Sim, parameter: &str) -> Response {
    bad_request(
        sim,
        "invalid_request",
        900144,
        &format!("The request body must contain the following parameter: '{parameter}'."),
    )
}

pub(super) fn unknown_client(sim: &Sim, client_id: &str, tenant: &str) -> Response {
    bad_request(
        sim,
        "unauthorized_client",
        700016,
        &format!("Application with identifier '{client_id}' was not found in the directory '{tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant."),
    )
}

pub(super) fn unknown_resource(sim: &Sim, resource: &str, tenant: &str) -> Response {
    bad_request(
        sim,
        "invalid_resource",
        500011,
        &format!("The resource principal named {resource} was not found in the tenant named {tenant}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant."),
    )
}

/// Public clients: any GUID is accepted as a registered public client (the world has no app
/// registration for Rekey's own client), so only the form is checked.
pub(super) fn public_client(sim: &Sim, form: &Params, tenant: &str) -> Result<Uuid, Response> {
    let Some(client_id) = form.value("client_id") else {
        return Err(missing(sim, "client_id"));
    };
    Uuid::parse_str(client_id).map_err(|_| unknown_client(sim, client_id, tenant))
}

pub(super) fn server_error(sim: &Sim, e: &dyn std::fmt::Display) -> Response {
    token_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "server_error",
        50000,
        &format!("There was an error issuing a token: {e}"),
        sim,
    )
}

pub(super) fn unknown_tenant(sim: &Sim, tenant: &str) -> Response {
    token_error(
        StatusCode::BAD_REQUEST,
        "invalid_request",
        90002,
        &format!("Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud."),
        sim,
    )
}

/// What a public client's grant names first: the tenant of the path, the client, and the grant's
/// own parameter (`code`, `refresh_token`, `device_code`), each answered with its error if absent.
pub(super) fn public_grant<'f>(
    sim: &Sim,
    tenant: &str,
    form: &'f Params,
    parameter: &str,
) -> Result<(Tenancy, Uuid, &'f str), Response> {
    let Some(tenancy) = Tenancy::of(&sim.state.world(), tenant) else {
        return Err(unknown_tenant(sim, tenant));
    };
    let client_id = public_client(sim, form, tenant)?;
    let Some(value) = form.value(parameter) else {
        return Err(missing(sim, parameter));
    };
    Ok((tenancy, client_id, value))
}
