//! Microsoft Graph v1.0: applications, service principals, their credentials, and `$batch`; and
//! beta's sign-in activity reports ([`reports`]).
//!
//! Every request is authenticated (a Graph-audience bearer token), routed by [`target`], authorised
//! against the directory's grants, and answered with Graph's headers and error envelope ([`reply`]).

mod applications;
mod auth;
mod batch;
mod body;
mod directory;
mod errors;
mod filter;
mod kind;
mod odata;
mod passwords;
mod reply;
mod report_access;
mod reports;
mod service_principals;
mod target;
mod trace;

use axum::http::Method;
use axum::response::Response;
use serde_json::json;

use crate::context::Sim;
use crate::request::SimRequest;
use auth::{Access, Caller};
use errors::GraphError;
use kind::Kind;
use reply::{Outcome, Reply};
use target::{Action, Target};
use trace::Trace;

/// Routes `/v1.0/…` and the beta reports (`/beta/reports/…`); `None` when the path is not Graph's.
pub fn route(sim: &Sim, req: &SimRequest) -> Option<Response> {
    let first = req.segments.first()?;
    let beta = first.eq_ignore_ascii_case("beta");
    if !beta && !first.eq_ignore_ascii_case("v1.0") {
        return None;
    }
    let trace = Trace::new(sim, req.header("client-request-id"));
    let outcome = auth::authenticate(sim, req).and_then(|caller| {
        if beta {
            reports::execute(sim, &caller, req)
        } else {
            execute(sim, &caller, req, Scope::Top(&trace))
        }
    });
    Some(reply::finish(outcome, &trace, sim).into_response())
}

/// Whether a request came over the wire (and may be a `$batch`) or from inside a batch.
#[derive(Clone, Copy)]
enum Scope<'a> {
    Top(&'a Trace),
    InBatch,
}

/// Runs one authenticated Graph request.
fn execute(sim: &Sim, caller: &Caller, req: &SimRequest, scope: Scope<'_>) -> Outcome {
    let target = target::parse(req.segments.get(1..).unwrap_or_default())?;
    let method = &req.method;
    match target {
        Target::ServiceRoot if method == Method::GET => Ok(service_root(sim)),
        Target::Batch => match scope {
            Scope::Top(trace) if method == Method::POST => batch::run(sim, req, trace, &|inner| {
                execute(sim, caller, inner, Scope::InBatch)
            }),
            Scope::Top(_) => Err(GraphError::method_not_allowed()),
            Scope::InBatch => Err(GraphError::bad_request(
                "A batch request cannot contain another batch request.",
            )),
        },
        Target::Collection(kind) if method == Method::GET => {
            allow(sim, caller, Access::Read)?;
            directory::list(sim, caller, req, kind)
        }
        Target::Collection(kind) if method == Method::POST => {
            allow(sim, caller, Access::Write)?;
            match kind {
                Kind::Application => applications::create(sim, caller, req),
                Kind::ServicePrincipal => service_principals::create(sim, caller, req),
            }
        }
        Target::Entity(kind, key) if method == Method::GET => {
            allow(sim, caller, Access::Read)?;
            directory::get(sim, caller, req, kind, &key)
        }
        Target::Entity(kind, key) if method == Method::PATCH => {
            allow(sim, caller, Access::Write)?;
            directory::update(sim, caller, req, kind, &key)
        }
        Target::Entity(kind, key) if method == Method::DELETE => {
            allow(sim, caller, Access::Write)?;
            directory::delete(sim, caller, kind, &key)
        }
        Target::Action(kind, key, action) if method == Method::POST => {
            allow(sim, caller, Access::Write)?;
            match action {
                Action::AddPassword => passwords::add(sim, caller, req, kind, &key),
                Action::RemovePassword => passwords::remove(sim, caller, req, kind, &key),
            }
        }
        _ => Err(GraphError::method_not_allowed()),
    }
}

fn allow(sim: &Sim, caller: &Caller, access: Access) -> Result<(), GraphError> {
    auth::authorize(&sim.state.world(), caller, access)
}

/// `GET /v1.0`: the OData service document, limited to the entity sets the simulator serves.
fn service_root(sim: &Sim) -> Reply {
    let sets: Vec<_> = [Kind::Application, Kind::ServicePrincipal]
        .iter()
        .map(|k| json!({"name": k.entity_set(), "kind": "EntitySet", "url": k.entity_set()}))
        .collect();
    Reply::ok(json!({
        "@odata.context": format!("{}v1.0/$metadata", sim.base_url),
        "value": sets,
    }))
}
