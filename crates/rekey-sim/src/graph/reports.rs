//! Microsoft Graph beta's sign-in activity reports, fed by what the token endpoint recorded
//! (`state::credential_use`): `GET /beta/reports/appCredentialSignInActivities[/{id}]` and
//! `GET /beta/reports/servicePrincipalSignInActivities[/{id}]`, with `$filter` (`eq`), `$top` and
//! `@odata.nextLink` paging. Shapes: microsoft-graph-docs-contrib `api-reference/beta/resources/
//! appcredentialsigninactivity.md`, `serviceprincipalsigninactivity.md` and their list/get pages.
//!
//! Only credentials and apps with sign-in activity have a row. The docs describe the report as
//! "recent activity of application credentials" and "the last credential activity date for every
//! application credential" (the Usage and insights docs); a row is made of a sign-in
//! (`signInActivity` is its last one), so a credential never used has none — the simulator's reading,
//! which the docs do not state outright. The docs also warn (servicePrincipalSignInActivity) that
//! during the preview the activity may include partial sign-ins that do not appear in the sign-in
//! logs; the simulator records only completed client-credentials sign-ins.

use axum::http::Method;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::auth::Caller;
use super::errors::GraphError;
use super::filter::{Clause, Filter};
use super::odata;
use super::reply::{Outcome, Reply};
use crate::context::Sim;
use crate::request::SimRequest;
use crate::state::{CredentialSignIn, KeyType, World};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Report {
    AppCredentials,
    ServicePrincipals,
}

impl Report {
    fn entity_set(self) -> &'static str {
        match self {
            Report::AppCredentials => "appCredentialSignInActivities",
            Report::ServicePrincipals => "servicePrincipalSignInActivities",
        }
    }

    fn resource(self) -> &'static str {
        match self {
            Report::AppCredentials => "appCredentialSignInActivity",
            Report::ServicePrincipals => "servicePrincipalSignInActivity",
        }
    }

    /// The properties `$filter` takes (the docs' examples filter by appId and keyId).
    fn filterable(self) -> &'static [&'static str] {
        match self {
            Report::AppCredentials => &["appId", "keyId"],
            Report::ServicePrincipals => &["appId"],
        }
    }
}

/// Routes `/beta/…`: the two reports; anything else under beta is not served.
pub fn execute(sim: &Sim, caller: &Caller, req: &SimRequest) -> Outcome {
    let segments = req.segments.get(1..).unwrap_or_default();
    let (report, id) = match segments {
        [reports, set, rest @ ..] if reports.eq_ignore_ascii_case("reports") && rest.len() <= 1 => {
            let report = [Report::AppCredentials, Report::ServicePrincipals]
                .into_iter()
                .find(|r| r.entity_set().eq_ignore_ascii_case(set))
                .ok_or_else(|| GraphError::unknown_segment(set))?;
            (report, rest.first())
        }
        [first, ..] => return Err(GraphError::unknown_segment(first)),
        [] => return Err(GraphError::unknown_segment("beta")),
    };
    if req.method != Method::GET {
        return Err(GraphError::method_not_allowed());
    }
    let mut world = sim.state.world();
    world.play_pipelines(sim.state.now());
    super::report_access::authorize(&world, caller)?;
    let rows = rows(&world, caller, report);
    drop(world);
    match id {
        Some(id) => get(sim, req, report, rows, id),
        None => list(sim, req, report, rows),
    }
}

/// `GET /beta/reports/{set}`: the tenant's rows that match `$filter`, a page of `$top`.
fn list(sim: &Sim, req: &SimRequest, report: Report, rows: Vec<Value>) -> Outcome {
    odata::check_options(req, &["$filter", "$top", "$skiptoken"])?;
    let filter = parse_filter(req, report)?;
    let paging = odata::paging(req)?;
    let matching: Vec<Value> = rows
        .into_iter()
        .filter(|row| filter.as_ref().is_none_or(|f| f.matches(row)))
        .collect();
    let (page, next) = odata::page(matching, paging);
    let mut body = Map::new();
    body.insert("@odata.context".into(), context(sim, report, false));
    body.insert("value".into(), Value::Array(page));
    if let Some(end) = next {
        body.insert(
            "@odata.nextLink".into(),
            Value::String(odata::next_link(sim, req, end)),
        );
    }
    Ok(Reply::ok(Value::Object(body)))
}

/// `GET /beta/reports/{set}/{id}` (the get pages take no query options).
fn get(sim: &Sim, req: &SimRequest, report: Report, rows: Vec<Value>, id: &str) -> Outcome {
    odata::check_options(req, &[])?;
    let mut row = rows
        .into_iter()
        .find(|row| row.get("id").and_then(Value::as_str) == Some(id))
        .ok_or_else(|| GraphError::not_found(id))?;
    odata::insert_context(&mut row, context(sim, report, true));
    // The get example names the type of the entity it answers.
    if let Some(map) = row.as_object_mut() {
        map.insert(
            "@odata.type".into(),
            Value::String(format!("#microsoft.graph.{}", report.resource())),
        );
    }
    Ok(Reply::ok(row))
}

/// `{graph}/beta/$metadata#reports/{set}`, as the list example's `@odata.context`.
fn context(sim: &Sim, report: Report, entity: bool) -> Value {
    let suffix = if entity { "/$entity" } else { "" };
    Value::String(format!(
        "{}beta/$metadata#reports/{}{suffix}",
        sim.base_url,
        report.entity_set()
    ))
}

/// `appId eq '…'` (and `keyId eq '…'` for credentials), joined by `and`.
fn parse_filter(req: &SimRequest, report: Report) -> Result<Option<Filter>, GraphError> {
    let Some(mut parsed) = odata::parsed_filter(req)? else {
        return Ok(None);
    };
    for clause in &mut parsed.clauses {
        let Clause::Eq { property, .. } = clause else {
            return Err(GraphError::unsupported_query("Unsupported Query."));
        };
        let name = report
            .filterable()
            .iter()
            .find(|p| p.eq_ignore_ascii_case(property))
            .ok_or_else(|| {
                GraphError::unsupported_query(format!(
                    "Unsupported or invalid query filter clause specified for property '{property}' of resource '{}'.",
                    report.resource()
                ))
            })?;
        *property = name.to_string();
    }
    Ok(Some(parsed))
}

/// The report's rows for the caller's tenant, in a stable order.
fn rows(world: &World, caller: &Caller, report: Report) -> Vec<Value> {
    match report {
        Report::AppCredentials => world
            .credential_use
            .per_credential()
            .into_iter()
            .filter(|s| s.tenant_id == caller.tenant_id)
            .map(credential_row)
            .collect(),
        Report::ServicePrincipals => service_principal_rows(world, caller.tenant_id),
    }
}

fn activity(s: &CredentialSignIn) -> Value {
    json!({"lastSignInDateTime": odata::timestamp(s.at), "lastSignInRequestId": s.request_id})
}

/// One appCredentialSignInActivity. Its `id` is base64 of `{keyId}|{credentialOrigin}`, as the
/// docs' examples decode.
fn credential_row(s: &CredentialSignIn) -> Value {
    let id = STANDARD.encode(format!("{}|{}", s.key_id, s.origin.as_str()));
    json!({
        "id": id,
        "keyId": s.key_id,
        "keyType": s.key_type.as_str(),
        // The examples show `sign` for secrets; a certificate's client-authentication key is
        // `Verify` in its keyCredential.
        "keyUsage": match s.key_type { KeyType::ClientSecret => "sign", KeyType::Certificate => "verify" },
        "appId": s.app_id,
        "appObjectId": s.app_object_id,
        "servicePrincipalObjectId": s.service_principal_object_id,
        "resourceId": s.resource_app_id,
        "credentialOrigin": s.origin.as_str(),
        "expirationDateTime": odata::timestamp(s.credential_expires),
        "createdDateTime": odata::timestamp(s.credential_created),
        "signInActivity": activity(s),
    })
}

/// One servicePrincipalSignInActivity per app that signed in (as a client, app-only) or was
/// signed in to (as a resource, app-only). The simulator records no delegated activity here.
fn service_principal_rows(world: &World, tenant: Uuid) -> Vec<Value> {
    use std::collections::BTreeMap;
    let mut apps: BTreeMap<Uuid, (Option<&CredentialSignIn>, Option<&CredentialSignIn>)> = BTreeMap::new();
    for s in world.credential_use.per_app().filter(|s| s.tenant_id == tenant) {
        apps.entry(s.app_id).or_default().0 = Some(s);
    }
    for s in world
        .credential_use
        .per_resource()
        .filter(|s| s.tenant_id == tenant)
    {
        let slot = &mut apps.entry(s.resource_app_id).or_default().1;
        if slot.is_none_or(|kept| kept.at < s.at) {
            *slot = Some(s);
        }
    }
    apps.into_iter()
        .map(|(app_id, (client, resource))| {
            let last = match (client, resource) {
                (Some(c), Some(r)) => Some(if r.at > c.at { r } else { c }),
                (c, r) => c.or(r),
            };
            json!({
                "id": STANDARD.encode(app_id.to_string()),
                "appId": app_id,
                "lastSignInActivity": last.map(activity),
                "delegatedClientSignInActivity": null,
                "delegatedResourceSignInActivity": null,
                "applicationAuthenticationClientSignInActivity": client.map(activity),
                "applicationAuthenticationResourceSignInActivity": resource.map(activity),
            })
        })
        .collect()
}
