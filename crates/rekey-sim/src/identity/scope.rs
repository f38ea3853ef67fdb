//! Reading the `scope` parameter as the identity platform does: OpenID Connect scopes, and resource
//! scopes (`{resource}/{permission}`, `{resource}/.default`, or a bare Graph permission).

use crate::context::GRAPH_PUBLIC_AUDIENCE;

/// Scopes about the sign-in itself rather than a resource.
const OIDC_SCOPES: &[&str] = &["openid", "profile", "email", "offline_access"];

/// The resource a token is requested for, as the client spelled it and as an audience.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceScope {
    /// Everything before the permission, as requested (`https://management.core.windows.net//`).
    pub prefix: String,
    /// The audience: the resource with exactly one trailing slash (`https://management.core.windows.net/`).
    pub resource: String,
}

/// A space-separated scope list.
#[derive(Debug, Clone, Copy)]
pub struct Scopes<'a>(&'a str);

impl<'a> Scopes<'a> {
    pub fn new(scope: &'a str) -> Self {
        Scopes(scope)
    }

    pub fn items(&self) -> impl Iterator<Item = &'a str> {
        self.0.split_whitespace()
    }

    pub fn has(&self, name: &str) -> bool {
        self.items().any(|s| s.eq_ignore_ascii_case(name))
    }

    /// The resource scopes (everything but the OpenID Connect ones).
    pub fn resource_items(&self) -> impl Iterator<Item = &'a str> {
        self.items()
            .filter(|s| !OIDC_SCOPES.iter().any(|o| o.eq_ignore_ascii_case(s)))
    }

    /// The resource of the first resource scope, which the access token is for.
    pub fn first_resource(&self) -> Option<ResourceScope> {
        self.resource_items().next().map(resource_of)
    }
}

/// The resource a single scope names. A bare permission (`User.Read`) is Microsoft Graph's.
pub fn resource_of(scope: &str) -> ResourceScope {
    let prefix = match scope.split_once("://") {
        // The permission is the last path segment; a bare URI is a resource without one.
        Some((scheme, rest)) => match rest.rsplit_once('/') {
            Some((resource, _permission)) => format!("{scheme}://{resource}/"),
            None => format!("{scope}/"),
        },
        None => GRAPH_PUBLIC_AUDIENCE.to_string(),
    };
    ResourceScope {
        resource: normalize_resource(&prefix),
        prefix,
    }
}

/// A resource identifier with exactly one trailing slash: `https://management.core.windows.net//`
/// (how SDKs spell ARM's v1 resource in a scope) and `https://management.azure.com` both normalise.
pub fn normalize_resource(resource: &str) -> String {
    format!("{}/", resource.trim_end_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_arm_spelling_names_one_resource() {
        let double = resource_of("https://management.core.windows.net//.default");
        assert_eq!(double.prefix, "https://management.core.windows.net//");
        assert_eq!(double.resource, "https://management.core.windows.net/");
        assert_eq!(
            resource_of("https://management.azure.com/.default").resource,
            "https://management.azure.com/"
        );
        assert_eq!(
            resource_of("https://management.azure.com/user_impersonation").resource,
            "https://management.azure.com/"
        );
        assert_eq!(resource_of("User.Read").resource, GRAPH_PUBLIC_AUDIENCE);
        assert_eq!(
            resource_of("https://management.azure.com").resource,
            "https://management.azure.com/"
        );
    }

    #[test]
    fn oidc_scopes_are_not_resources() {
        let scopes = Scopes::new("openid profile offline_access https://graph.microsoft.com/.default");
        assert!(scopes.has("offline_access"));
        assert_eq!(
            scopes.first_resource().map(|r| r.resource),
            Some(GRAPH_PUBLIC_AUDIENCE.to_string())
        );
        assert_eq!(Scopes::new("openid profile").first_resource(), None);
    }
}
