//! OData query options (`$select`, `$filter`, `$top`, `$skiptoken`, `$count`), `@odata.context` URLs
//! and `@odata.nextLink` paging.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};
use serde_json::{Map, Value};

use super::auth::Caller;
use super::errors::GraphError;
use super::filter::{self, Filter, FilterError};
use super::kind::Kind;
use super::reply::Reply;
use crate::context::Sim;
use crate::request::SimRequest;

/// The directory's default page size, and the largest `$top` it accepts.
pub const DEFAULT_PAGE: usize = 100;
const MAX_PAGE: usize = 999;

/// Options the directory does not support on these entity sets.
const UNSUPPORTED_OPTIONS: &[&str] = &["$orderby", "$expand", "$search", "$skip", "$apply", "$format"];

/// Characters escaped in a query value of a `nextLink` (spaces become `%20`, as Graph writes them).
const QUERY_VALUE: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'&')
    .add(b'+')
    .add(b'<')
    .add(b'=')
    .add(b'>')
    .add(b'`')
    .add(b'{')
    .add(b'}');

/// A query option by name, ignoring letter case as Graph does.
pub fn option<'r>(req: &'r SimRequest, name: &str) -> Option<&'r str> {
    req.query
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Refuses system query options (`$…`) outside `allowed`.
pub fn check_options(req: &SimRequest, allowed: &[&str]) -> Result<(), GraphError> {
    for name in req.query.keys().filter(|k| k.starts_with('$')) {
        if allowed.iter().any(|a| a.eq_ignore_ascii_case(name)) {
            continue;
        }
        return Err(
            if UNSUPPORTED_OPTIONS.iter().any(|u| u.eq_ignore_ascii_case(name)) {
                GraphError::unsupported_query(format!("'{name}' is not supported by the service."))
            } else {
                GraphError::bad_request(format!("The query parameter '{name}' is not supported."))
            },
        );
    }
    Ok(())
}

/// The `$select` list, each name checked against the type and spelled as the type spells it.
pub fn select(req: &SimRequest, kind: Kind) -> Result<Option<Vec<String>>, GraphError> {
    let Some(list) = option(req, "$select") else {
        return Ok(None);
    };
    list.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            kind.property(p)
                .map(str::to_string)
                .ok_or_else(|| GraphError::unknown_property(p, kind.type_name()))
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// Keeps only the selected properties of an object.
pub fn project(object: Value, select: Option<&[String]>) -> Value {
    match (object, select) {
        (Value::Object(map), Some(select)) => Value::Object(
            map.into_iter()
                .filter(|(k, _)| select.iter().any(|s| s == k))
                .collect::<Map<_, _>>(),
        ),
        (other, _) => other,
    }
}

/// `…/$metadata#applications`, `…#applications(id,appId)`, `…#applications/$entity`.
pub fn context(sim: &Sim, kind: Kind, select: Option<&[String]>, entity: bool) -> Value {
    let mut fragment = kind.entity_set().to_string();
    if let Some(select) = select {
        fragment = format!("{fragment}({})", select.join(","));
    }
    if entity {
        fragment.push_str("/$entity");
    }
    Value::String(metadata(sim, &fragment))
}

/// `{graph}/v1.0/$metadata#{fragment}`.
pub fn metadata(sim: &Sim, fragment: &str) -> String {
    format!("{}v1.0/$metadata#{fragment}", sim.base_url)
}

/// The parsed `$filter`, checked against what the directory can filter on for this type.
pub fn filter(req: &SimRequest, kind: Kind) -> Result<Option<Filter>, GraphError> {
    let Some(mut parsed) = parsed_filter(req)? else {
        return Ok(None);
    };
    for clause in &mut parsed.clauses {
        let name = kind
            .property(clause.property())
            .ok_or_else(|| GraphError::unknown_property(clause.property(), kind.type_name()))?;
        let filterable = if clause.is_lambda() {
            kind.filterable_collections()
        } else {
            kind.filterable_values()
        };
        if !filterable.contains(&name) {
            return Err(GraphError::unsupported_query(format!(
                "Unsupported or invalid query filter clause specified for property '{name}' of resource '{}'.",
                kind.resource()
            )));
        }
        // Match against the canonical spelling the rendered objects use.
        match clause {
            filter::Clause::Eq { property, .. }
            | filter::Clause::StartsWith { property, .. }
            | filter::Clause::AnyEq { property, .. } => *property = name.to_string(),
        }
    }
    Ok(Some(parsed))
}

/// The `$filter` option parsed, before its properties are checked against a type.
pub fn parsed_filter(req: &SimRequest) -> Result<Option<Filter>, GraphError> {
    let Some(text) = option(req, "$filter") else {
        return Ok(None);
    };
    filter::parse(text).map(Some).map_err(|e| match e {
        FilterError::Syntax(message) => GraphError::bad_request(message),
        FilterError::Unsupported => GraphError::unsupported_query("Unsupported Query."),
    })
}

/// One page of `items`, and the offset of the next page when there is one.
pub fn page(items: Vec<Value>, paging: Paging) -> (Vec<Value>, Option<usize>) {
    let total = items.len();
    let end = paging.offset.saturating_add(paging.size).min(total);
    let page = items.into_iter().skip(paging.offset).take(paging.size).collect();
    (page, (end < total).then_some(end))
}

/// Where a page starts and how long it is.
#[derive(Debug, Clone, Copy)]
pub struct Paging {
    pub offset: usize,
    pub size: usize,
}

pub fn paging(req: &SimRequest) -> Result<Paging, GraphError> {
    let size = match option(req, "$top") {
        None => DEFAULT_PAGE,
        Some(top) => top
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_PAGE).contains(n))
            .ok_or_else(|| {
                GraphError::directory_bad_request(format!(
                    "Invalid page size specified: '{top}'. Must be between 1 and {MAX_PAGE} inclusive."
                ))
            })?,
    };
    let offset = match option(req, "$skiptoken") {
        None => 0,
        Some(token) => decode_skiptoken(token).ok_or_else(|| {
            GraphError::new(
                axum::http::StatusCode::BAD_REQUEST,
                "Directory_ExpiredPageToken",
                "The specified page token value has expired and can no longer be included in your request.",
            )
        })?,
    };
    Ok(Paging { offset, size })
}

const SKIPTOKEN_PREFIX: &str = "rekey-sim:offset:";

fn encode_skiptoken(offset: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("{SKIPTOKEN_PREFIX}{offset}"))
}

fn decode_skiptoken(token: &str) -> Option<usize> {
    let bytes = URL_SAFE_NO_PAD.decode(token.trim()).ok()?;
    String::from_utf8(bytes)
        .ok()?
        .strip_prefix(SKIPTOKEN_PREFIX)?
        .parse()
        .ok()
}

/// The absolute URL of the page after `end`: the request's own URL and query, with a new `$skiptoken`.
pub fn next_link(sim: &Sim, req: &SimRequest, end: usize) -> String {
    let mut query: Vec<String> = req
        .raw_query
        .as_deref()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .filter(|(k, _)| !k.eq_ignore_ascii_case("$skiptoken"))
                .map(|(k, v)| {
                    format!(
                        "{}={}",
                        utf8_percent_encode(&k, QUERY_VALUE),
                        utf8_percent_encode(&v, QUERY_VALUE)
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    query.push(format!("$skiptoken={}", encode_skiptoken(end)));
    format!(
        "{}{}?{}",
        sim.base_url,
        req.path.trim_start_matches('/'),
        query.join("&")
    )
}

/// ISO-8601 in UTC with `Z`, fractional seconds only when there are any (as Graph writes them).
pub fn timestamp(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// Puts `@odata.context` on an entity body.
pub fn insert_context(body: &mut Value, context: Value) {
    if let Some(map) = body.as_object_mut() {
        map.insert("@odata.context".into(), context);
    }
}

/// Graph's 201 for a new object of `kind`: its JSON with `@odata.context`, its URL as `Location`
/// (the recorded `POST /applications` and `POST /servicePrincipals` answers).
pub fn created(sim: &Sim, caller: &Caller, kind: Kind, object_id: uuid::Uuid, mut json: Value) -> Reply {
    let location = kind.object_url(sim, caller, object_id);
    insert_context(&mut json, context(sim, kind, None, true));
    Reply::created(json, location)
}
