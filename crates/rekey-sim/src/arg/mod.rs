//! Azure Resource Graph: `POST /providers/Microsoft.ResourceGraph/resources`. A KQL query
//! (the [`crate::kql`] subset) runs over the resources in the subscriptions the caller can read;
//! results come back a page at a time with an opaque `$skipToken`.

mod tables;

use axum::http::{HeaderValue, Method, StatusCode};
use axum::response::Response;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::arm::{self, Caller};
use crate::context::Sim;
use crate::kql::{self, KqlError, Table};
use crate::request::SimRequest;
use crate::responses::{arm_error, arm_json, arm_method_not_allowed};
use crate::state::World;

const DEFAULT_TOP: usize = 100;
/// Resource Graph never returns more rows than this in one response.
const MAX_TOP: usize = 1000;
/// Documented per-user quota (15 queries per 5 s). Reported, not enforced: nothing here throttles.
const QUOTA_PER_WINDOW: u32 = 15;
const QUOTA_WINDOW: &str = "00:00:05";

/// Routes the Resource Graph path; `None` for any other path.
pub fn route(sim: &Sim, req: &SimRequest) -> Option<Response> {
    req.route(&["providers", "Microsoft.ResourceGraph", "resources"])?;
    if req.method != Method::POST {
        return Some(arm_method_not_allowed(&req.method));
    }
    let caller = match arm::authenticate(sim, req) {
        Ok(caller) => caller,
        Err(response) => return Some(response),
    };
    let response = resources(sim, req, &caller).unwrap_or_else(|error| error);
    Some(with_quota_headers(response))
}

/// `QueryRequest`. `managementGroups`, `facets` and `authorizationScopeFilter` are accepted and
/// ignored: the simulator has no management groups.
#[derive(Deserialize)]
struct QueryRequest {
    query: String,
    subscriptions: Option<Vec<String>>,
    options: Option<QueryOptions>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct QueryOptions {
    #[serde(rename = "$top")]
    top: Option<i64>,
    #[serde(rename = "$skip")]
    skip: Option<i64>,
    #[serde(rename = "$skipToken")]
    skip_token: Option<String>,
    result_format: Option<String>,
    allow_partial_scopes: Option<bool>,
}

/// What the opaque `$skipToken` carries: where the next page starts, and which query it belongs to.
#[derive(Serialize, Deserialize)]
struct SkipToken {
    offset: usize,
    query: String,
}

/// The page a request asks for.
struct Paging {
    offset: usize,
    top: usize,
    table_format: bool,
}

fn resources(sim: &Sim, req: &SimRequest, caller: &Caller) -> Result<Response, Response> {
    check_api_version(req)?;
    let mut request: QueryRequest = serde_json::from_slice(&req.body).map_err(|e| {
        invalid_content(&format!(
            "The request content was invalid and could not be deserialized: '{e}'."
        ))
    })?;
    let options = request.options.take().unwrap_or_default();
    let fingerprint = fingerprint(&request);
    let paging = paging(sim, &options, &fingerprint)?;
    let query = kql::parse(&request.query).map_err(|e| query_error(sim, &e))?;
    let source = {
        let mut world = sim.state.world();
        // Finish operations that are due, so a reset that ended shows `Succeeded` here too.
        crate::arm::settle_operations(&mut world, sim.state.now());
        let scope = scope(
            &world,
            caller,
            &request,
            options.allow_partial_scopes == Some(true),
        )?;
        tables::source_table(&world, &scope, &query.table)
    };
    let Some(source) = source else {
        let unknown = format!(
            "Failed to resolve table or column expression named '{}'",
            query.table
        );
        return Err(query_error(sim, &KqlError::Semantic(unknown)));
    };
    let result = kql::execute(&query, source).map_err(|e| query_error(sim, &e))?;
    Ok(arm_json(
        StatusCode::OK,
        &page(result, &paging, &fingerprint),
        false,
    ))
}

fn check_api_version(req: &SimRequest) -> Result<(), Response> {
    match crate::api_versions::check(req, crate::api_versions::RESOURCE_GRAPH) {
        Some(refused) => Err(refused),
        None => Ok(()),
    }
}

fn invalid_content(message: &str) -> Response {
    arm_error(StatusCode::BAD_REQUEST, "InvalidRequestContent", message)
}

fn paging(sim: &Sim, options: &QueryOptions, fingerprint: &str) -> Result<Paging, Response> {
    let top = match options.top {
        None => DEFAULT_TOP,
        Some(n) if n < 1 => return Err(invalid_content("The '$top' option must be at least 1.")),
        Some(n) => usize::try_from(n).map_or(MAX_TOP, |n| n.min(MAX_TOP)),
    };
    let table_format = match options.result_format.as_deref() {
        None => false,
        Some(f) if f.eq_ignore_ascii_case("objectArray") => false,
        Some(f) if f.eq_ignore_ascii_case("table") => true,
        Some(f) => {
            return Err(invalid_content(&format!(
                "The 'resultFormat' option '{f}' is invalid. The supported values are 'table', 'objectArray'."
            )))
        }
    };
    let offset = match (&options.skip_token, options.skip) {
        (Some(token), _) => decode_skip_token(token, fingerprint).ok_or_else(|| {
            bad_request(
                sim,
                json!([{
                    "code": "InvalidSkipToken",
                    "message": "The skip token is invalid. Repeat the query and scopes that returned it."
                }]),
            )
        })?,
        (None, None) => 0,
        (None, Some(n)) => {
            usize::try_from(n).map_err(|_| invalid_content("The '$skip' option must not be negative."))?
        }
    };
    Ok(Paging {
        offset,
        top,
        table_format,
    })
}

/// Ties a skip token to the query text and requested scopes, so it cannot continue another query.
fn fingerprint(request: &QueryRequest) -> String {
    let mut subscriptions: Vec<String> = request
        .subscriptions
        .iter()
        .flatten()
        .map(|s| s.to_ascii_lowercase())
        .collect();
    subscriptions.sort();
    let digest = Sha256::new()
        .chain_update(request.query.as_bytes())
        .chain_update([0])
        .chain_update(subscriptions.join(",").as_bytes())
        .finalize();
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

fn encode_skip_token(offset: usize, fingerprint: &str) -> String {
    let token = SkipToken {
        offset,
        query: fingerprint.to_string(),
    };
    STANDARD.encode(serde_json::to_vec(&token).unwrap_or_default())
}

fn decode_skip_token(token: &str, fingerprint: &str) -> Option<usize> {
    let bytes = STANDARD.decode(token.trim()).ok()?;
    let token: SkipToken = serde_json::from_slice(&bytes).ok()?;
    (token.query == fingerprint).then_some(token.offset)
}

/// The subscriptions to query: those requested (all readable ones by default) that the caller can
/// read. An unreadable one fails the request unless `allowPartialScopes` is set.
fn scope(
    world: &World,
    caller: &Caller,
    request: &QueryRequest,
    partial: bool,
) -> Result<Vec<Uuid>, Response> {
    let readable = |id: Uuid| caller.can_read(world, id);
    let requested = request.subscriptions.as_deref().unwrap_or_default();
    if requested.is_empty() {
        return Ok(world
            .subscriptions
            .iter()
            .map(|s| s.id)
            .filter(|id| readable(*id))
            .collect());
    }
    let mut allowed = Vec::new();
    let mut denied = Vec::new();
    for raw in requested {
        match Uuid::parse_str(raw.trim()) {
            Ok(id) if readable(id) => {
                if !allowed.contains(&id) {
                    allowed.push(id);
                }
            }
            _ => denied.push(raw.as_str()),
        }
    }
    if denied.is_empty() || (partial && !allowed.is_empty()) {
        return Ok(allowed);
    }
    let refusal = |scope: &str| {
        format!(
            "The client '{0}' with object id '{0}' does not have authorization to perform action \
             'Microsoft.ResourceGraph/resources/read' over scope '/subscriptions/{scope}' or the scope is invalid. \
             If access was recently granted, please refresh your credentials.",
            caller.object_id
        )
    };
    let details: Vec<Value> = denied
        .iter()
        .map(|s| json!({"code": "AuthorizationFailed", "message": refusal(s)}))
        .collect();
    Err(arm_json(
        StatusCode::FORBIDDEN,
        &json!({"error": {
            "code": "AuthorizationFailed",
            "message": refusal(denied.first().copied().unwrap_or_default()),
            "details": details,
        }}),
        false,
    ))
}

/// One page of the result. Without an `id` column Resource Graph cannot page, so it reports
/// `resultTruncated` instead of giving a token.
fn page(result: Table, paging: &Paging, fingerprint: &str) -> Value {
    let total = result.rows.len();
    let start = paging.offset.min(total);
    let end = start.saturating_add(paging.top).min(total);
    let more = end < total;
    let pageable = result.columns.iter().any(|c| c.name == "id");
    let rows = result.rows.into_iter().skip(start).take(end - start);
    let data = if paging.table_format {
        let columns: Vec<Value> = result
            .columns
            .iter()
            .map(|c| json!({"name": c.name, "type": c.kind.arg_name()}))
            .collect();
        json!({"columns": columns, "rows": rows.collect::<Vec<_>>()})
    } else {
        let names: Vec<&str> = result.columns.iter().map(|c| c.name.as_str()).collect();
        Value::Array(
            rows.map(|row| Value::Object(names.iter().map(|n| n.to_string()).zip(row).collect()))
                .collect(),
        )
    };
    let mut body = Map::new();
    body.insert("totalRecords".into(), json!(total));
    body.insert("count".into(), json!(end - start));
    body.insert(
        "resultTruncated".into(),
        json!(if more && !pageable { "true" } else { "false" }),
    );
    if more && pageable {
        body.insert("$skipToken".into(), json!(encode_skip_token(end, fingerprint)));
    }
    body.insert("data".into(), data);
    body.insert("facets".into(), json!([]));
    Value::Object(body)
}

/// Resource Graph's 400: a support message, then what was wrong in `details`.
fn bad_request(sim: &Sim, details: Value) -> Response {
    let now = sim.state.now();
    // .NET's seven fractional digits; chrono has no `%.7f`.
    let message = format!(
        "Please provide below info when asking for support: timestamp = {}.{:07}Z, correlationId = {}.",
        now.format("%Y-%m-%dT%H:%M:%S"),
        now.timestamp_subsec_nanos() % 1_000_000_000 / 100,
        Uuid::new_v4()
    );
    arm_json(
        StatusCode::BAD_REQUEST,
        &json!({"error": {"code": "BadRequest", "message": message, "details": details}}),
        false,
    )
}

fn query_error(sim: &Sim, error: &KqlError) -> Response {
    let invalid = json!({
        "code": "InvalidQuery",
        "message": "Query is invalid. Please refer to the documentation for the Azure Resource Graph service and fix the error before retrying."
    });
    // ParserFailure is Resource Graph's documented shape; the other two detail codes are the
    // simulator's own, as the real ones were not observed.
    let detail = match error {
        KqlError::Syntax { line, column, token } => json!({
            "code": "ParserFailure",
            "message": "ParserFailure",
            "line": line,
            "characterPositionInLine": column,
            "token": token,
        }),
        KqlError::Semantic(message) => json!({"code": "SemanticError", "message": message}),
        KqlError::TooLong { .. } => json!({"code": "QueryTooLong", "message": error.to_string()}),
    };
    bad_request(sim, json!([invalid, detail]))
}

fn with_quota_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        "x-ms-user-quota-remaining",
        HeaderValue::from(QUOTA_PER_WINDOW - 1),
    );
    headers.insert(
        "x-ms-user-quota-resets-after",
        HeaderValue::from_static(QUOTA_WINDOW),
    );
    response
}
