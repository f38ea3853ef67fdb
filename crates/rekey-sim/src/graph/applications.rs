//! The `application` resource: its Graph representation and `POST /applications`.

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
use crate::state::{Application, Registration, World};

/// Graph's default for an application created through the API (as the recorded `create-for-rbac` shows).
const SIGN_IN_AUDIENCE: &str = "AzureADandPersonalMicrosoftAccount";

pub fn to_json(world: &World, app: &Application) -> Value {
    let publisher_domain = world
        .tenants
        .iter()
        .find(|t| t.id == app.tenant_id)
        .map(|t| t.default_domain.clone());
    // Two literals: one `json!` of every property would exceed the macro recursion limit.
    let mut body = json!({
        "id": app.object_id,
        "deletedDateTime": null,
        "appId": app.app_id,
        "applicationTemplateId": null,
        "disabledByMicrosoftStatus": null,
        "createdDateTime": odata::timestamp(app.created),
        "displayName": app.display_name,
        "description": null,
        "groupMembershipClaims": null,
        "identifierUris": [],
        "isDeviceOnlyAuthSupported": null,
        "isFallbackPublicClient": null,
        "notes": null,
        "publisherDomain": publisher_domain,
        "serviceManagementReference": null,
        "signInAudience": SIGN_IN_AUDIENCE,
        "tags": [],
        "tokenEncryptionKeyId": null,
        "samlMetadataUrl": null,
        "defaultRedirectUri": null,
        "certification": null,
        "optionalClaims": null,
        "servicePrincipalLockConfiguration": null,
        "requestSignatureVerification": null,
    });
    let rest = json!({
        "addIns": [],
        "api": {
            "acceptMappedClaims": null,
            "knownClientApplications": [],
            "requestedAccessTokenVersion": 2,
            "oauth2PermissionScopes": [],
            "preAuthorizedApplications": []
        },
        "appRoles": [],
        "info": {
            "logoUrl": null,
            "marketingUrl": null,
            "privacyStatementUrl": null,
            "supportUrl": null,
            "termsOfServiceUrl": null
        },
        "keyCredentials": app.key_credentials.iter().map(passwords::key_json).collect::<Vec<_>>(),
        "parentalControlSettings": {"countriesBlockedForMinors": [], "legalAgeGroupRule": "Allow"},
        "passwordCredentials": app.password_credentials.iter().map(passwords::password_json).collect::<Vec<_>>(),
        "publicClient": {"redirectUris": []},
        "requiredResourceAccess": [],
        "verifiedPublisher": {"displayName": null, "verifiedPublisherId": null, "addedDateTime": null},
        "web": {
            "homePageUrl": null,
            "logoutUrl": null,
            "redirectUris": [],
            "implicitGrantSettings": {"enableAccessTokenIssuance": false, "enableIdTokenIssuance": false},
            "redirectUriSettings": []
        },
        "spa": {"redirectUris": []}
    });
    if let (Some(body), Value::Object(rest)) = (body.as_object_mut(), rest) {
        body.extend(rest);
    }
    body
}

/// `POST /applications`: a new registration with fresh object and client IDs, in the caller's tenant.
pub fn create(sim: &Sim, caller: &Caller, req: &SimRequest) -> Outcome {
    let body = writable(Kind::Application, super::body::object(req, false)?, true, &[])?;
    let Some(display_name) = body.get("displayName").and_then(Value::as_str) else {
        return Err(GraphError::directory_bad_request(
            "Required property 'displayName' is missing.",
        ));
    };
    let app = Application(Registration::new(
        Uuid::new_v4(),
        caller.tenant_id,
        display_name,
        sim.state.now(),
    ));
    let mut world = sim.state.world();
    let (json, object_id) = (to_json(&world, &app), app.object_id);
    world.applications.push(app);
    drop(world);
    Ok(odata::created(sim, caller, Kind::Application, object_id, json))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    #[test]
    fn renders_exactly_the_declared_properties() {
        let app = Application(Registration::new(Uuid::new_v4(), Uuid::new_v4(), "x", Utc::now()));
        let json = to_json(&World::default(), &app);
        crate::graph::kind::assert_declared(Kind::Application, &json);
    }
}
