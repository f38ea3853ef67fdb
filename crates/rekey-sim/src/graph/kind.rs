//! The directory object types Graph serves here, `application` and `servicePrincipal`: their entity
//! sets, declared and read-only properties, what a write may set, and where a new one is found.

use serde_json::{Map, Value};
use uuid::Uuid;

use super::auth::Caller;
use super::errors::GraphError;
use crate::context::Sim;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Application,
    ServicePrincipal,
}

impl Kind {
    pub fn entity_set(self) -> &'static str {
        match self {
            Kind::Application => "applications",
            Kind::ServicePrincipal => "servicePrincipals",
        }
    }

    pub fn type_name(self) -> &'static str {
        match self {
            Kind::Application => "microsoft.graph.application",
            Kind::ServicePrincipal => "microsoft.graph.servicePrincipal",
        }
    }

    /// The resource name the directory uses in messages.
    pub fn resource(self) -> &'static str {
        match self {
            Kind::Application => "Application",
            Kind::ServicePrincipal => "ServicePrincipal",
        }
    }

    /// The properties of the type in v1.0, as a GET returns them.
    pub fn properties(self) -> &'static [&'static str] {
        match self {
            Kind::Application => APPLICATION_PROPERTIES,
            Kind::ServicePrincipal => SERVICE_PRINCIPAL_PROPERTIES,
        }
    }

    /// Properties a client may not set.
    fn read_only(self) -> &'static [&'static str] {
        match self {
            Kind::Application => APPLICATION_READ_ONLY,
            Kind::ServicePrincipal => SERVICE_PRINCIPAL_READ_ONLY,
        }
    }

    /// A property of the type by name in any letter case, spelled as the type spells it.
    pub fn property(self, name: &str) -> Option<&'static str> {
        self.properties()
            .iter()
            .copied()
            .find(|p| p.eq_ignore_ascii_case(name))
    }

    /// Properties `eq` and `startswith` work on.
    pub fn filterable_values(self) -> &'static [&'static str] {
        &["id", "appId", "displayName"]
    }

    /// Collections `any(…)` works on.
    pub fn filterable_collections(self) -> &'static [&'static str] {
        match self {
            Kind::Application => &["identifierUris"],
            Kind::ServicePrincipal => &["servicePrincipalNames"],
        }
    }

    /// The `Location` of a new directory object, as Graph gives it (the directory's internal URL).
    pub fn object_url(self, sim: &Sim, caller: &Caller, object_id: Uuid) -> String {
        format!(
            "{}v2/{}/directoryObjects/{object_id}/Microsoft.DirectoryServices.{}",
            sim.base_url,
            caller.tenant_id,
            self.resource()
        )
    }
}

/// A write payload with each property checked against the type and keyed by its canonical name.
/// Credentials are only changed through the actions; `passwordCredentials` may be set only
/// to an empty list on create. `exempt` names read-only properties this call must accept (the SP's `appId`).
pub fn writable(
    kind: Kind,
    body: Map<String, Value>,
    creating: bool,
    exempt: &[&str],
) -> Result<Map<String, Value>, GraphError> {
    let mut out = Map::new();
    for (name, value) in body {
        if name.starts_with('@') {
            continue; // annotations such as @odata.type
        }
        let Some(property) = kind.property(&name) else {
            return Err(GraphError::bad_request(format!(
                "The property '{name}' does not exist on type '{}'. Make sure to only use property names that are defined by the type or mark the type as open type.",
                kind.type_name()
            )));
        };
        if kind.read_only().contains(&property) && !exempt.contains(&property) {
            return Err(GraphError::directory_bad_request(format!(
                "Property '{property}' is read-only and cannot be set."
            )));
        }
        let empty_list = value.as_array().is_some_and(Vec::is_empty);
        match property {
            "passwordCredentials" if !(creating && empty_list) => {
                return Err(GraphError::directory_bad_request(
                    "Property PasswordCredentials is invalid.",
                ))
            }
            "keyCredentials" if !empty_list => {
                return Err(GraphError::invalid_value(property, kind.resource()))
            }
            "displayName" if value.as_str().is_none_or(|s| s.trim().is_empty()) => {
                return Err(GraphError::invalid_value(property, kind.resource()))
            }
            _ => {}
        }
        out.insert(property.to_string(), value);
    }
    Ok(out)
}

/// The properties of `microsoft.graph.application` in v1.0, as a GET returns them.
const APPLICATION_PROPERTIES: &[&str] = &[
    "id",
    "deletedDateTime",
    "appId",
    "applicationTemplateId",
    "disabledByMicrosoftStatus",
    "createdDateTime",
    "displayName",
    "description",
    "groupMembershipClaims",
    "identifierUris",
    "isDeviceOnlyAuthSupported",
    "isFallbackPublicClient",
    "notes",
    "publisherDomain",
    "serviceManagementReference",
    "signInAudience",
    "tags",
    "tokenEncryptionKeyId",
    "samlMetadataUrl",
    "defaultRedirectUri",
    "certification",
    "optionalClaims",
    "servicePrincipalLockConfiguration",
    "requestSignatureVerification",
    "addIns",
    "api",
    "appRoles",
    "info",
    "keyCredentials",
    "parentalControlSettings",
    "passwordCredentials",
    "publicClient",
    "requiredResourceAccess",
    "verifiedPublisher",
    "web",
    "spa",
];

const APPLICATION_READ_ONLY: &[&str] = &[
    "id",
    "deletedDateTime",
    "appId",
    "createdDateTime",
    "publisherDomain",
    "disabledByMicrosoftStatus",
    "certification",
];

/// The properties of `microsoft.graph.servicePrincipal` in v1.0, as a GET returns them.
const SERVICE_PRINCIPAL_PROPERTIES: &[&str] = &[
    "id",
    "deletedDateTime",
    "accountEnabled",
    "alternativeNames",
    "appDisplayName",
    "appDescription",
    "appId",
    "applicationTemplateId",
    "appOwnerOrganizationId",
    "appRoleAssignmentRequired",
    "createdDateTime",
    "description",
    "disabledByMicrosoftStatus",
    "displayName",
    "homepage",
    "loginUrl",
    "logoutUrl",
    "notes",
    "notificationEmailAddresses",
    "preferredSingleSignOnMode",
    "preferredTokenSigningKeyThumbprint",
    "replyUrls",
    "servicePrincipalNames",
    "servicePrincipalType",
    "signInAudience",
    "tags",
    "tokenEncryptionKeyId",
    "samlSingleSignOnSettings",
    "addIns",
    "appRoles",
    "info",
    "keyCredentials",
    "oauth2PermissionScopes",
    "passwordCredentials",
    "resourceSpecificApplicationPermissions",
    "verifiedPublisher",
];

const SERVICE_PRINCIPAL_READ_ONLY: &[&str] = &[
    "id",
    "deletedDateTime",
    "appId",
    "appDisplayName",
    "appDescription",
    "appOwnerOrganizationId",
    "createdDateTime",
    "disabledByMicrosoftStatus",
    "servicePrincipalType",
    "signInAudience",
];

/// Checks that an entity renders exactly the properties its type declares.
#[cfg(test)]
pub(super) fn assert_declared(kind: Kind, json: &Value) {
    let mut keys: Vec<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
    let mut declared = kind.properties().to_vec();
    keys.sort_unstable();
    declared.sort_unstable();
    assert_eq!(keys, declared);
}
