//! What applications and service principals have in common: their entity sets, how a key finds one
//! in the caller's tenant, and list, get, update and delete.

use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::auth::Caller;
use super::errors::GraphError;
use super::odata;
use super::reply::{Outcome, Reply};
use super::target::Key;
use super::{applications, service_principals};
use crate::context::Sim;
use crate::request::SimRequest;
use crate::state::{KeyCredential, PasswordCredential, World};

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

    fn properties(self) -> &'static [&'static str] {
        match self {
            Kind::Application => applications::PROPERTIES,
            Kind::ServicePrincipal => service_principals::PROPERTIES,
        }
    }

    /// Properties a client may not set.
    fn read_only(self) -> &'static [&'static str] {
        match self {
            Kind::Application => applications::READ_ONLY,
            Kind::ServicePrincipal => service_principals::READ_ONLY,
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
}

fn key_matches(key: &Key, object_id: Uuid, app_id: Uuid) -> bool {
    match key {
        Key::Id(id) => *id == object_id,
        Key::AppId(text) => Uuid::parse_str(text).is_ok_and(|a| a == app_id),
    }
}

/// The object ID a key names among the caller's tenant's objects of `kind`.
pub fn find(world: &World, tenant: Uuid, kind: Kind, key: &Key) -> Option<Uuid> {
    match kind {
        Kind::Application => world
            .applications
            .iter()
            .find(|a| a.tenant_id == tenant && key_matches(key, a.object_id, a.app_id))
            .map(|a| a.object_id),
        Kind::ServicePrincipal => world
            .service_principals
            .iter()
            .find(|s| s.tenant_id == tenant && key_matches(key, s.object_id, s.app_id))
            .map(|s| s.object_id),
    }
}

/// Like [`find`], or Graph's 404 naming the key.
pub fn require(world: &World, caller: &Caller, kind: Kind, key: &Key) -> Result<Uuid, GraphError> {
    find(world, caller.tenant_id, kind, key).ok_or_else(|| GraphError::not_found(&key.text()))
}

/// The credential lists of an object found by [`find`].
pub fn credentials_mut(
    world: &mut World,
    kind: Kind,
    object_id: Uuid,
) -> Option<(&mut Vec<PasswordCredential>, &mut Vec<KeyCredential>)> {
    match kind {
        Kind::Application => world
            .applications
            .iter_mut()
            .find(|a| a.object_id == object_id)
            .map(|a| (&mut a.password_credentials, &mut a.key_credentials)),
        Kind::ServicePrincipal => world
            .service_principals
            .iter_mut()
            .find(|s| s.object_id == object_id)
            .map(|s| (&mut s.password_credentials, &mut s.key_credentials)),
    }
}

/// The full Graph representation of an object found by [`find`].
pub fn render(world: &World, kind: Kind, object_id: Uuid) -> Option<Value> {
    match kind {
        Kind::Application => world
            .applications
            .iter()
            .find(|a| a.object_id == object_id)
            .map(|a| applications::to_json(world, a)),
        Kind::ServicePrincipal => world
            .service_principals
            .iter()
            .find(|s| s.object_id == object_id)
            .map(|s| service_principals::to_json(world, s)),
    }
}

fn render_tenant(world: &World, kind: Kind, tenant: Uuid) -> Vec<Value> {
    match kind {
        Kind::Application => world
            .applications
            .iter()
            .filter(|a| a.tenant_id == tenant)
            .map(|a| applications::to_json(world, a))
            .collect(),
        Kind::ServicePrincipal => world
            .service_principals
            .iter()
            .filter(|s| s.tenant_id == tenant)
            .map(|s| service_principals::to_json(world, s))
            .collect(),
    }
}

/// A GET on `applications` costs 2 resource units; `$select` lowers that by 1.
fn read_cost(select: Option<&[String]>) -> u32 {
    if select.is_some() {
        1
    } else {
        2
    }
}

/// `GET /{set}` with `$filter`, `$select`, `$top`, `$skiptoken` and `$count`.
pub fn list(sim: &Sim, caller: &Caller, req: &SimRequest, kind: Kind) -> Outcome {
    odata::check_options(req, &["$select", "$filter", "$top", "$skiptoken", "$count"])?;
    let select = odata::select(req, kind)?;
    let filter = odata::filter(req, kind)?;
    let paging = odata::paging(req)?;
    let count = count_requested(req)?;
    let objects = render_tenant(&sim.state.world(), kind, caller.tenant_id);
    let matching: Vec<Value> = objects
        .into_iter()
        .filter(|o| filter.as_ref().is_none_or(|f| f.matches(o)))
        .collect();
    let total = matching.len();
    let end = paging.offset.saturating_add(paging.size).min(total);
    let value: Vec<Value> = matching
        .into_iter()
        .skip(paging.offset)
        .take(paging.size)
        .map(|o| odata::project(o, select.as_deref()))
        .collect();
    let mut body = Map::new();
    body.insert(
        "@odata.context".into(),
        odata::context(sim, kind, select.as_deref(), false),
    );
    if count {
        body.insert("@odata.count".into(), json!(total));
    }
    body.insert("value".into(), Value::Array(value));
    if end < total {
        body.insert(
            "@odata.nextLink".into(),
            Value::String(odata::next_link(sim, req, end)),
        );
    }
    Ok(Reply::ok(Value::Object(body)).with_units(read_cost(select.as_deref())))
}

/// `$count=true` is an advanced query: the directory answers it only with `ConsistencyLevel: eventual`.
fn count_requested(req: &SimRequest) -> Result<bool, GraphError> {
    match odata::option(req, "$count") {
        None => Ok(false),
        Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
        Some(v) if v.eq_ignore_ascii_case("true") => {
            if req
                .header("consistencylevel")
                .is_some_and(|c| c.eq_ignore_ascii_case("eventual"))
            {
                Ok(true)
            } else {
                Err(GraphError::directory_bad_request(
                    "$count is not currently supported.",
                ))
            }
        }
        Some(v) => Err(GraphError::bad_request(format!(
            "Invalid value '{v}' for the $count query option."
        ))),
    }
}

/// `GET /{set}/{id}` or `GET /{set}(appId='…')`, with `$select`.
pub fn get(sim: &Sim, caller: &Caller, req: &SimRequest, kind: Kind, key: &Key) -> Outcome {
    odata::check_options(req, &["$select"])?;
    let select = odata::select(req, kind)?;
    let object = {
        let world = sim.state.world();
        let id = require(&world, caller, kind, key)?;
        render(&world, kind, id).ok_or_else(|| GraphError::not_found(&key.text()))?
    };
    let mut body = match odata::project(object, select.as_deref()) {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    body.insert(
        "@odata.context".into(),
        odata::context(sim, kind, select.as_deref(), true),
    );
    Ok(Reply::ok(Value::Object(body)).with_units(read_cost(select.as_deref())))
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

/// `PATCH /{set}/{key}`: `displayName` and clearing `keyCredentials` change state; other declared
/// properties are accepted and not modelled.
pub fn update(sim: &Sim, caller: &Caller, req: &SimRequest, kind: Kind, key: &Key) -> Outcome {
    let changes = writable(kind, super::body::object(req, false)?, false, &[])?;
    let mut world = sim.state.world();
    let id = require(&world, caller, kind, key)?;
    let display_name = changes.get("displayName").and_then(Value::as_str);
    match kind {
        Kind::Application => {
            if let Some(app) = world.applications.iter_mut().find(|a| a.object_id == id) {
                if let Some(name) = display_name {
                    app.display_name = name.to_string();
                }
            }
        }
        Kind::ServicePrincipal => {
            if let Some(sp) = world.service_principals.iter_mut().find(|s| s.object_id == id) {
                if let Some(name) = display_name {
                    sp.display_name = name.to_string();
                }
            }
        }
    }
    if changes.contains_key("keyCredentials") {
        if let Some((_, keys)) = credentials_mut(&mut world, kind, id) {
            keys.clear();
        }
    }
    Ok(Reply::no_content())
}

/// `DELETE /{set}/{key}`. Deleting an application also deletes its service principal in the home tenant.
pub fn delete(sim: &Sim, caller: &Caller, kind: Kind, key: &Key) -> Outcome {
    let mut world = sim.state.world();
    let id = require(&world, caller, kind, key)?;
    match kind {
        Kind::Application => {
            let app_id = world
                .applications
                .iter()
                .find(|a| a.object_id == id)
                .map(|a| a.app_id);
            world.applications.retain(|a| a.object_id != id);
            world
                .service_principals
                .retain(|s| !(s.tenant_id == caller.tenant_id && Some(s.app_id) == app_id));
        }
        Kind::ServicePrincipal => world.service_principals.retain(|s| s.object_id != id),
    }
    Ok(Reply::no_content())
}

/// The `Location` of a new directory object, as Graph gives it (the directory's internal URL).
pub fn object_url(sim: &Sim, caller: &Caller, object_id: Uuid, kind: Kind) -> String {
    format!(
        "{}v2/{}/directoryObjects/{object_id}/Microsoft.DirectoryServices.{}",
        sim.base_url,
        caller.tenant_id,
        kind.resource()
    )
}

/// Puts `@odata.context` on an entity body.
pub fn insert_context(body: &mut Value, context: Value) {
    if let Some(map) = body.as_object_mut() {
        map.insert("@odata.context".into(), context);
    }
}
