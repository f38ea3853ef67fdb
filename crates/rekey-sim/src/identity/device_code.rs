//! The device-code flow: `POST /{tenant}/oauth2/v2.0/devicecode` starts it, a person approves or
//! declines at `/devicelogin`, and the client polls the token endpoint.

use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::json;

use super::errors::{
    bad_request, missing, post_only, public_client, public_grant, unknown_resource, unknown_tenant,
};
use super::html::{self, escape};
use super::issue::{prepare, respond};
use super::params::Params;
use super::scope::Scopes;
use super::sign_in::{demo_accounts_note, sign_in};
use super::tenancy::Tenancy;
use crate::context::{Sim, GRAPH_PUBLIC_AUDIENCE};
use crate::request::SimRequest;
use crate::responses::identity_json;
use crate::state::sign_ins::{DevicePoll, DeviceStatus, DEVICE_CODE_SECONDS};

pub fn start(sim: &Sim, tenant: &str, req: &SimRequest) -> Response {
    if let Some(refused) = post_only(sim, req) {
        return refused;
    }
    let Some(form) = Params::from_body(&req.body) else {
        return missing(sim, "client_id");
    };
    let Some(tenancy) = Tenancy::of(&sim.state.world(), tenant) else {
        return unknown_tenant(sim, tenant);
    };
    let client_id = match public_client(sim, &form, tenant) {
        Ok(id) => id,
        Err(response) => return response,
    };
    let Some(scope) = form.value("scope") else {
        return missing(sim, "scope");
    };
    let resource = Scopes::new(scope)
        .first_resource()
        .map_or_else(|| GRAPH_PUBLIC_AUDIENCE.to_string(), |r| r.resource);
    if !sim.known_resource(&resource) {
        return unknown_resource(sim, &resource, tenant);
    }
    let now = sim.state.now();
    let (device_code, user_code) =
        sim.state
            .world()
            .identity_flows
            .start_device(client_id, tenancy.id(), scope, now);
    let verification_uri = format!("{}/devicelogin", sim.authority());
    identity_json(
        StatusCode::OK,
        &json!({
            "user_code": user_code,
            "device_code": device_code,
            "verification_uri": verification_uri,
            "expires_in": DEVICE_CODE_SECONDS,
            "interval": sim.state.behaviour.device_code_interval_secs,
            "message": format!("To sign in, use a web browser to open the page {verification_uri} and enter the code {user_code} to authenticate."),
        }),
    )
}

/// The token endpoint's answer to a poll with a device code.
pub fn poll(sim: &Sim, tenant: &str, form: &Params) -> Response {
    let (tenancy, client_id, device_code) = match public_grant(sim, tenant, form, "device_code") {
        Ok(found) => found,
        Err(response) => return response,
    };
    let now = sim.state.now();
    let mut world = sim.state.world();
    let grant = match world.identity_flows.poll_device(device_code, client_id, now) {
        DevicePoll::Approved(grant) => grant,
        DevicePoll::Pending => {
            return bad_request(
                sim,
                "authorization_pending",
                70016,
                "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
            )
        }
        DevicePoll::Declined => {
            return bad_request(
                sim,
                "authorization_declined",
                70000,
                "The end user denied the authorization request.",
            )
        }
        DevicePoll::Expired => {
            return bad_request(
                sim,
                "expired_token",
                70020,
                "The provided value for the input parameter 'device_code' is not valid. This device code has expired.",
            )
        }
        DevicePoll::Unknown => {
            return bad_request(
                sim,
                "bad_verification_code",
                70018,
                "The provided value for the input parameter 'device_code' is not valid.",
            )
        }
    };
    match prepare(sim, &mut world, tenancy, &grant, None, now) {
        Ok(prepared) => {
            drop(world);
            respond(sim, prepared, None, form.wants_client_info())
        }
        Err(response) => response,
    }
}

/// `GET /devicelogin` shows the form (a `?otc=` code is prefilled); `POST` approves or declines.
pub fn login(sim: &Sim, req: &SimRequest) -> Response {
    if req.method == Method::GET {
        let query = Params::from_query(req);
        let code = query.get("otc").unwrap_or_default();
        return form_page(sim, StatusCode::OK, code, "", None);
    }
    if req.method != Method::POST {
        return html::page(
            StatusCode::METHOD_NOT_ALLOWED,
            "Enter code",
            "<p class=\"error\" role=\"alert\">This page only accepts GET and POST.</p>",
        );
    }
    let Some(form) = Params::from_body(&req.body) else {
        return form_page(
            sim,
            StatusCode::BAD_REQUEST,
            "",
            "",
            Some("The form could not be read. Please try again."),
        );
    };
    let code = form.value("user_code").unwrap_or_default();
    let username = form.get("username").unwrap_or_default();
    let retry = |message: &str| form_page(sim, StatusCode::OK, code, username, Some(message));
    if code.is_empty() {
        return retry("Enter the code displayed on your app or device.");
    }
    let now = sim.state.now();
    let mut world = sim.state.world();
    let Some(device) = world.identity_flows.device_by_user_code(code, now) else {
        drop(world);
        return retry("That code didn't work. Check the code and try again.");
    };
    if device.status != DeviceStatus::Pending {
        drop(world);
        return retry("That code has already been used. Start the sign-in on your device again.");
    }
    if form.get("action") == Some("decline") {
        device.status = DeviceStatus::Declined;
        drop(world);
        return html::page(
            StatusCode::OK,
            "Sign-in declined",
            "<p>You declined the sign-in on the other device. You may now close this window.</p>",
        );
    }
    let tenancy = device.tenant.map_or(Tenancy::Any, Tenancy::One);
    let client_id = device.client_id;
    let password = form.get("password").unwrap_or_default();
    let signed_in = sign_in(&world, tenancy, username, password)
        .person("That account does not exist in the tenant this sign-in is for.");
    let person = match signed_in {
        Ok(person) => person,
        Err(message) => {
            drop(world);
            return retry(message);
        }
    };
    if let Some(device) = world.identity_flows.device_by_user_code(code, now) {
        device.status = DeviceStatus::Approved {
            user_id: person.object_id,
            tenant_id: person.tenant_id,
        };
    }
    drop(world);
    html::page(
        StatusCode::OK,
        "You're signed in",
        &format!(
            "<p>{} has signed in to the application <code>{}</code> on your device. You may now close this window.</p>",
            escape(&person.name),
            escape(&client_id.to_string())
        ),
    )
}

fn form_page(sim: &Sim, status: StatusCode, code: &str, username: &str, error: Option<&str>) -> Response {
    let error = error
        .map(|e| format!("<p class=\"error\" role=\"alert\">{}</p>", escape(e)))
        .unwrap_or_default();
    let note = demo_accounts_note(&sim.state.world());
    let body = format!(
        "{error}<p>Enter the code displayed on your app or device, then sign in to approve it.</p>\
<form method=\"post\" action=\"/devicelogin\">\
<label for=\"user_code\">Code</label>\
<input type=\"text\" id=\"user_code\" name=\"user_code\" value=\"{code}\" required autocomplete=\"off\" autocapitalize=\"characters\" spellcheck=\"false\">\
<label for=\"username\">Email or user name</label>\
<input type=\"email\" id=\"username\" name=\"username\" value=\"{username}\" autocomplete=\"username\">\
<label for=\"password\">Password</label>\
<input type=\"password\" id=\"password\" name=\"password\" autocomplete=\"current-password\">\
<div class=\"actions\"><button class=\"primary\" type=\"submit\" name=\"action\" value=\"approve\">Approve</button>\
<button type=\"submit\" name=\"action\" value=\"decline\" formnovalidate>Decline</button></div>\
</form>{note}",
        code = escape(code),
        username = escape(username),
    );
    html::page(status, "Enter code", &body)
}
