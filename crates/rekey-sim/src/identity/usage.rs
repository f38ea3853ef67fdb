//! Recording an app's sign-in with a credential for Microsoft Graph's sign-in activity reports:
//! the token endpoint does it for every client-credentials token, the control API plays one.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::claims::is_graph;
use super::scope::normalize_resource;
use crate::context::{Sim, GRAPH_PUBLIC_AUDIENCE};
use crate::state::credential_use::resource_app_id;
use crate::state::{CredentialSignIn, SignInEvent, World};

/// Records that `app_id` signed in to `tenant_id` with credential `key_id` for `resource` at `at`
/// (simulated time), under a new request ID; `None` when the tenant has no such credential.
pub fn record_app_sign_in(
    sim: &Sim,
    world: &mut World,
    tenant_id: Uuid,
    app_id: Uuid,
    key_id: Uuid,
    resource: &str,
    at: DateTime<Utc>,
) -> Option<CredentialSignIn> {
    // The simulator's own base URL is Graph too (its metadata names it): report it as Graph.
    let audience = if is_graph(sim, resource) {
        GRAPH_PUBLIC_AUDIENCE.to_string()
    } else {
        normalize_resource(resource)
    };
    world.record_credential_sign_in(SignInEvent {
        tenant_id,
        app_id,
        key_id,
        resource_app_id: resource_app_id(&audience),
        resource: audience,
        at,
        request_id: Uuid::new_v4(),
    })
}
