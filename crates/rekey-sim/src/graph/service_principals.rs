//! The `servicePrincipal` resource: its Graph representation and `POST /servicePrincipals`.

use axum::http::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

use super::auth::Caller;
use super::errors::GraphError;
use super::kind::{writable, Kind};
use super::odata;
use super::passwords;
use super::reply::Outcome;
use crate::context::Sim;
use crate::request::SimRequest;
use crate::state::{Registration, ServicePrincipal, World};

pub fn to_json(world: &World, sp: &ServicePrincipal) -> Value {
    let app = world.application_by_app_id(sp.app_id);
    let mut body = json!({
        "id": sp.object_id,
        "deletedDateTime": null,
        "accountEnabled": true,
        "alternativeNames": [],
        "appDisplayName": app.map_or(&sp.display_name, |a| &a.display_name),
        "appDescription": null,
        "appId": sp.app_id,
        "applicationTemplateId": null,
        "appOwnerOrganizationId": app.map_or(sp.tenant_id, |a| a.tenant_id),
        "appRoleAssignmentRequired": false,
        "createdDateTime": odata::timestamp(sp.created),
        "description": null,
        "disabledByMicrosoftStatus": null,
        "displayName": sp.display_name,
        "homepage": null,
        "loginUrl": null,
        "logoutUrl": null,
        "notes": null,
        "notificationEmailAddresses": [],
        "preferredSingleSignOnMode": null,
        "preferredTokenSigningKeyThumbprint": null,
        "replyUrls": [],
    });
    // Two literals: one `json!` of every property would exceed the macro recursion limit.
    let rest = json!({
        "servicePrincipalNames": [sp.app_id],
        "servicePrincipalType": "Application",
        "signInAudience": "AzureADandPersonalMicrosoftAccount",
        "tags": [],
        "tokenEncryptionKeyId": null,
        "samlSingleSignOnSettings": null,
        "addIns": [],
        "appRoles": [],
        "info": {
            "logoUrl": null,
            "marketingUrl": null,
            "privacyStatementUrl": null,
            "supportUrl": null,
            "termsOfServiceUrl": null
        },
        "keyCredentials": sp.key_credentials.iter().map(passwords::key_json).collect::<Vec<_>>(),
        "oauth2PermissionScopes": [],
        "passwordCredentials": sp.password_credentials.iter().map(passwords::password_json).collect::<Vec<_>>(),
        "resourceSpecificApplicationPermissions": [],
        "verifiedPublisher": {"displayName": null, "verifiedPublisherId": null, "addedDateTime": null}
    });
    if let (Some(body), Value::Object(rest)) = (body.as_object_mut(), rest) {
        body.extend(rest);
    }
    body
}

/// `POST /servicePrincipals {"appId"}`: the application's service principal in the caller's tenant.
/// An application still replicating is "not a valid application object" yet, which Azure CLI retries on.
pub fn create(sim: &Sim, caller: &Caller, req: &SimRequest) -> Outcome {
    let body = writable(
        Kind::ServicePrincipal,
        super::body::object(req, false)?,
        true,
        &["appId"],
    )?;
    let app_id_text = match body.get("appId") {
        Some(Value::String(s)) => s.clone(),
        None | Some(Value::Null) => {
            return Err(GraphError::directory_bad_request(
                "Required property 'appId' is missing.",
            ))
        }
        Some(_) => {
            return Err(GraphError::invalid_value(
                "appId",
                Kind::ServicePrincipal.resource(),
            ))
        }
    };
    let invalid_reference = || {
        GraphError::directory_bad_request(format!(
            "The appId '{app_id_text}' of the service principal does not reference a valid application object."
        ))
    };
    let app_id = Uuid::parse_str(&app_id_text).map_err(|_| invalid_reference())?;
    let now = sim.state.now();
    let mut world = sim.state.world();
    let app = world
        .applications
        .iter()
        .find(|a| a.app_id == app_id && a.tenant_id == caller.tenant_id)
        .filter(|a| a.created + sim.state.behaviour.replication_delay <= now)
        .ok_or_else(invalid_reference)?;
    if world
        .service_principals
        .iter()
        .any(|s| s.app_id == app_id && s.tenant_id == caller.tenant_id)
    {
        return Err(GraphError::new(
            StatusCode::CONFLICT,
            "Request_MultipleObjectsWithSameKeyValue",
            "Another object with the same value for property servicePrincipalNames already exists.",
        ));
    }
    let sp = ServicePrincipal(Registration::new(
        app_id,
        caller.tenant_id,
        &app.display_name,
        now,
    ));
    let (json, object_id) = (to_json(&world, &sp), sp.object_id);
    world.service_principals.push(sp);
    drop(world);
    Ok(odata::created(
        sim,
        caller,
        Kind::ServicePrincipal,
        object_id,
        json,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    #[test]
    fn renders_exactly_the_declared_properties() {
        let sp = ServicePrincipal(Registration::new(Uuid::new_v4(), Uuid::new_v4(), "x", Utc::now()));
        let json = to_json(&World::default(), &sp);
        crate::graph::kind::assert_declared(Kind::ServicePrincipal, &json);
        assert_eq!(json["servicePrincipalNames"][0], sp.app_id.to_string());
    }
}
