//! What applications and service principals have in common: list, get, update and delete.

use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::auth::Caller;
use super::errors::GraphError;
use super::kind::{writable, Kind};
use super::odata;
use super::reply::{Outcome, Reply};
use super::target::{credentials_mut, require, Key};
use super::{applications, service_principals};
use crate::context::Sim;
use crate::request::SimRequest;
use crate::state::World;

/// The Graph representations of the objects of `kind` that `keep(tenant, object_id)` selects.
fn render_where(world: &World, kind: Kind, keep: impl Fn(Uuid, Uuid) -> bool) -> Vec<Value> {
    match kind {
        Kind::Application => world
            .applications
            .iter()
            .filter(|a| keep(a.tenant_id, a.object_id))
            .map(|a| applications::to_json(world, a))
            .collect(),
        Kind::ServicePrincipal => world
            .service_principals
            .iter()
            .filter(|s| keep(s.tenant_id, s.object_id))
            .map(|s| service_principals::to_json(world, s))
            .collect(),
    }
}

/// The full Graph representation of an object found by [`super::target::find`].
fn render(world: &World, kind: Kind, object_id: Uuid) -> Option<Value> {
    render_where(world, kind, |_, id| id == object_id)
        .into_iter()
        .next()
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
    let objects = render_where(&sim.state.world(), kind, |tenant, _| tenant == caller.tenant_id);
    let matching: Vec<Value> = objects
        .into_iter()
        .filter(|o| filter.as_ref().is_none_or(|f| f.matches(o)))
        .collect();
    let total = matching.len();
    let (page, next) = odata::page(matching, paging);
    let value: Vec<Value> = page
        .into_iter()
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
    if let Some(end) = next {
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
