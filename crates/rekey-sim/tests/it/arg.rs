//! Azure Resource Graph over HTTPS: the dashboard inventory query, paging, scopes, result formats
//! and Resource Graph's error shapes.

use std::collections::HashSet;

use crate::common::Fixture;
use reqwest::StatusCode;
use serde_json::{json, Value};

const ARG_PATH: &str = "/providers/Microsoft.ResourceGraph/resources?api-version=2022-10-01";

/// REFERENCE.md §6, verbatim.
const INVENTORY: &str = "resources
| where type =~ 'microsoft.containerservice/managedclusters'
| project id, name, resourceGroup, subscriptionId, location,
          spClientId = tostring(properties.servicePrincipalProfile.clientId), identityType = tostring(identity.type),
          provisioningState = tostring(properties.provisioningState), powerState = tostring(properties.powerState.code),
          aadManaged = tobool(properties.aadProfile.managed), aadServerAppId = tostring(properties.aadProfile.serverAppID)
| order by id asc";

struct Arg {
    f: Fixture,
    token: String,
}

impl Arg {
    async fn new() -> Self {
        let f = Fixture::new(Default::default()).await;
        let token = f.arm_token().await;
        Arg { f, token }
    }

    async fn post_raw(
        &self,
        path: &str,
        token: Option<&str>,
        body: String,
    ) -> (StatusCode, reqwest::header::HeaderMap, Value) {
        let mut req = self
            .f
            .http
            .post(self.f.url(path))
            .header("content-type", "application/json")
            .body(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        (status, headers, resp.json().await.unwrap_or(Value::Null))
    }

    async fn query(&self, body: Value) -> (StatusCode, Value) {
        let (status, _, body) = self.post_raw(ARG_PATH, Some(&self.token), body.to_string()).await;
        (status, body)
    }

    async fn ok(&self, body: Value) -> Value {
        let (status, response) = self.query(body.clone()).await;
        assert_eq!(status, StatusCode::OK, "{body} -> {response}");
        response
    }

    fn subscription_id(&self, display_name: &str) -> String {
        let world = self.f.sim.sim().state.world();
        world
            .subscriptions
            .iter()
            .find(|s| s.display_name == display_name)
            .unwrap()
            .id
            .to_string()
    }
}

fn rows(body: &Value) -> &Vec<Value> {
    body["data"]
        .as_array()
        .unwrap_or_else(|| panic!("no data array in {body}"))
}

fn names(body: &Value) -> Vec<&str> {
    rows(body).iter().map(|r| r["name"].as_str().unwrap()).collect()
}

fn by_name<'a>(body: &'a Value, name: &str) -> &'a Value {
    rows(body)
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("{name} not in {body}"))
}

/// The second `details` entry of a Resource Graph 400, after asserting the envelope.
fn query_failure(status: StatusCode, body: &Value) -> &Value {
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], "BadRequest");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("Please provide below info when asking for support: timestamp = ")
            && message.contains(", correlationId = "),
        "{message}"
    );
    assert_eq!(body["error"]["details"][0]["code"], "InvalidQuery");
    &body["error"]["details"][1]
}

#[tokio::test]
async fn the_reference_inventory_query_describes_every_demo_cluster() {
    let arg = Arg::new().await;
    let (status, headers, body) = arg
        .post_raw(
            ARG_PATH,
            Some(&arg.token),
            json!({ "query": INVENTORY }).to_string(),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(headers["x-ms-user-quota-resets-after"], "00:00:05");
    let remaining: u32 = headers["x-ms-user-quota-remaining"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(remaining < 15);
    assert!(headers.contains_key("x-ms-request-id"));

    assert_eq!(body["totalRecords"], 12);
    assert_eq!(body["count"], 12);
    assert_eq!(body["resultTruncated"], "false");
    assert_eq!(body["facets"], json!([]));
    assert!(body.get("$skipToken").is_none());
    let ids: Vec<&str> = rows(&body).iter().map(|r| r["id"].as_str().unwrap()).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted, "order by id asc");

    let msi = by_name(&body, "aks-web-msi");
    assert_eq!(msi["spClientId"], "msi");
    assert_eq!(msi["identityType"], "SystemAssigned");
    assert_eq!(msi["aadManaged"], true);
    assert_eq!(msi["aadServerAppId"], "");
    assert_eq!(msi["resourceGroup"], "rg-web");
    assert_eq!(msi["location"], "westeurope");

    let legacy = by_name(&body, "aks-portal-legacy");
    assert_eq!(legacy["aadManaged"], false);
    let server_app = legacy["aadServerAppId"].as_str().unwrap();
    assert_eq!(server_app.len(), 36, "a GUID: {server_app}");
    assert_eq!(legacy["identityType"], "");
    assert_ne!(legacy["spClientId"], "msi");

    let prod = by_name(&body, "aks-prod-weu");
    let sp_app = prod["spClientId"].as_str().unwrap();
    assert_eq!(sp_app.len(), 36);
    assert_eq!(
        by_name(&body, "aks-prod-weu-2")["spClientId"],
        sp_app,
        "shared SP"
    );
    assert_eq!(
        prod["aadManaged"],
        Value::Null,
        "no aadProfile: tobool(null) is null"
    );
    assert_eq!(prod["subscriptionId"], arg.subscription_id("Contoso Production"));
    assert_eq!(by_name(&body, "aks-stg-batch")["powerState"], "Stopped");
    assert_eq!(by_name(&body, "aks-ci-runners")["provisioningState"], "Failed");
    assert_eq!(by_name(&body, "aks-ops-tools")["powerState"], "Running");
}

#[tokio::test]
async fn skip_tokens_page_through_every_row_exactly_once() {
    let arg = Arg::new().await;
    let query = "Resources | project id, name";
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut options = json!({"$top": 5});
        if let Some(t) = &token {
            options["$skipToken"] = json!(t);
        }
        let page = arg.ok(json!({"query": query, "options": options})).await;
        pages += 1;
        assert_eq!(page["totalRecords"], 12);
        assert_eq!(page["count"], rows(&page).len());
        seen.extend(names(&page).into_iter().map(str::to_string));
        match page.get("$skipToken") {
            Some(t) => token = Some(t.as_str().unwrap().to_string()),
            None => break,
        }
        assert!(pages < 5, "paging does not end");
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 12);
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 12);

    // `$skip` starts the first page further in.
    let skipped = arg.ok(json!({"query": query, "options": {"$skip": 10}})).await;
    assert_eq!(names(&skipped), [seen[10].as_str(), seen[11].as_str()]);
}

#[tokio::test]
async fn without_an_id_column_more_rows_are_reported_truncated_not_paged() {
    let arg = Arg::new().await;
    let page = arg
        .ok(json!({"query": "resources | project name", "options": {"$top": 5}}))
        .await;
    assert_eq!(page["count"], 5);
    assert_eq!(page["totalRecords"], 12);
    assert_eq!(page["resultTruncated"], "true");
    assert!(page.get("$skipToken").is_none());
}

#[tokio::test]
async fn a_skip_token_only_continues_the_query_that_issued_it() {
    let arg = Arg::new().await;
    let first = arg
        .ok(json!({"query": "resources | project id", "options": {"$top": 2}}))
        .await;
    let token = first["$skipToken"].as_str().unwrap();
    for (query, bad) in [
        ("resources | project id", "not base64!"),
        ("resources | project id", "eyAibm8iOiAibHVjayIgfQ=="),
        ("resources | project id, name", token),
    ] {
        let (status, body) = arg
            .query(json!({"query": query, "options": {"$skipToken": bad}}))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        assert_eq!(body["error"]["code"], "BadRequest");
        assert_eq!(body["error"]["details"][0]["code"], "InvalidSkipToken");
    }
}

#[tokio::test]
async fn subscriptions_limit_the_rows_and_unreadable_ones_are_refused() {
    let arg = Arg::new().await;
    let staging = arg.subscription_id("Contoso Staging");
    let body = arg
        .ok(json!({"query": "resources | project id, name, subscriptionId", "subscriptions": [staging]}))
        .await;
    assert_eq!(body["totalRecords"], 3);
    assert!(rows(&body).iter().all(|r| r["subscriptionId"] == staging));

    let stranger = "00000000-0000-0000-0000-000000000001";
    let (status, body) = arg
        .query(json!({"query": "resources", "subscriptions": [staging, stranger]}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"]["code"], "AuthorizationFailed");
    assert!(body["error"]["details"][0]["message"]
        .as_str()
        .unwrap()
        .contains(stranger));

    let partial = arg
        .ok(
            json!({"query": "resources | project id", "subscriptions": [staging, stranger],
                   "options": {"allowPartialScopes": true}}),
        )
        .await;
    assert_eq!(partial["totalRecords"], 3);
}

#[tokio::test]
async fn table_format_gives_typed_columns_and_positional_rows() {
    let arg = Arg::new().await;
    let body = arg
        .ok(json!({
            "query": "resources | where name == 'aks-payments' | project id, name, nodes = toint(properties.agentPoolProfiles[0]['count']), aad = tobool(properties.aadProfile.managed), properties",
            "options": {"resultFormat": "table"}
        }))
        .await;
    assert_eq!(body["count"], 1);
    let columns = body["data"]["columns"].as_array().unwrap();
    let described: Vec<(&str, &str)> = columns
        .iter()
        .map(|c| (c["name"].as_str().unwrap(), c["type"].as_str().unwrap()))
        .collect();
    assert_eq!(
        described,
        [
            ("id", "string"),
            ("name", "string"),
            ("nodes", "integer"),
            ("aad", "boolean"),
            ("properties", "object")
        ]
    );
    let row = &body["data"]["rows"][0];
    assert_eq!(row[1], "aks-payments");
    assert_eq!(row[2], 12);
    assert_eq!(row[3], Value::Null);
    assert!(row[4]["servicePrincipalProfile"]["clientId"].is_string());
}

#[tokio::test]
async fn where_contains_and_order_by_desc_filter_and_sort() {
    let arg = Arg::new().await;
    let prod = arg
        .ok(json!({"query": "Resources | where name contains 'prod' | project id, name"}))
        .await;
    let mut got = names(&prod);
    got.sort();
    assert_eq!(got, ["aks-prod-weu", "aks-prod-weu-2"]);

    let sorted = arg
        .ok(json!({"query": "resources | order by name desc | project id, name, type"}))
        .await;
    let got = names(&sorted);
    let mut expected = got.clone();
    expected.sort_by(|a, b| b.cmp(a));
    assert_eq!(got, expected);
    assert_eq!(got.first(), Some(&"aks-web-msi"));
    assert_eq!(
        rows(&sorted)[0]["type"],
        "microsoft.containerservice/managedclusters"
    );

    let counted = arg
        .ok(json!({"query": "resources | where type =~ 'Microsoft.ContainerService/managedClusters' and properties.powerState.code == 'Running' | count"}))
        .await;
    assert_eq!(rows(&counted)[0]["Count"], 11);

    let containers = arg
        .ok(json!({"query": "resourcecontainers | where type == 'microsoft.resources/subscriptions' | project id, name"}))
        .await;
    let mut subs = names(&containers);
    subs.sort();
    assert_eq!(
        subs,
        ["Contoso Platform", "Contoso Production", "Contoso Staging"]
    );
}

#[tokio::test]
async fn unsupported_or_malformed_kql_gets_resource_graph_query_errors() {
    let arg = Arg::new().await;
    let (status, body) = arg
        .query(json!({"query": "resources | summarize count() by location"}))
        .await;
    let detail = query_failure(status, &body);
    assert_eq!(detail["code"], "ParserFailure");
    assert_eq!(detail["line"], 1);
    assert_eq!(detail["characterPositionInLine"], 12);
    assert_eq!(detail["token"], "summarize");

    let (status, body) = arg
        .query(json!({"query": "resources\n| where name == 'unterminated"}))
        .await;
    let detail = query_failure(status, &body);
    assert_eq!(
        (
            detail["line"].as_u64(),
            detail["characterPositionInLine"].as_u64()
        ),
        (Some(2), Some(16))
    );

    let deep = format!(
        "resources | where {}true{}",
        "(".repeat(10_000),
        ")".repeat(10_000)
    );
    let (status, body) = arg.query(json!({ "query": deep })).await;
    assert_eq!(query_failure(status, &body)["code"], "ParserFailure");

    let (status, body) = arg.query(json!({"query": "resources | where nmae == 'x'"})).await;
    assert!(query_failure(status, &body)["message"]
        .as_str()
        .unwrap()
        .contains("'nmae'"));

    let (status, body) = arg.query(json!({"query": "virtualmachines | take 1"})).await;
    query_failure(status, &body);
}

#[tokio::test]
async fn bad_requests_and_missing_auth_get_arm_errors() {
    let arg = Arg::new().await;
    let (status, headers, body) = arg
        .post_raw(ARG_PATH, None, json!({"query": "resources"}).to_string())
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "AuthenticationFailed");
    assert!(headers.contains_key("www-authenticate"));

    let token = Some(arg.token.as_str());
    let cases = [
        (ARG_PATH, "{not json".to_string(), "InvalidRequestContent"),
        (
            ARG_PATH,
            json!({"subscriptions": []}).to_string(),
            "InvalidRequestContent",
        ),
        (
            ARG_PATH,
            json!({"query": 42}).to_string(),
            "InvalidRequestContent",
        ),
        (
            ARG_PATH,
            json!({"query": "resources", "options": {"$top": 0}}).to_string(),
            "InvalidRequestContent",
        ),
        (
            ARG_PATH,
            json!({"query": "resources", "options": {"resultFormat": "csv"}}).to_string(),
            "InvalidRequestContent",
        ),
        (
            "/providers/Microsoft.ResourceGraph/resources?api-version=2019-04-01",
            json!({"query": "resources"}).to_string(),
            "InvalidApiVersionParameter",
        ),
        (
            "/providers/Microsoft.ResourceGraph/resources",
            json!({"query": "resources"}).to_string(),
            "MissingApiVersionParameter",
        ),
    ];
    for (path, body, code) in cases {
        let (status, _, response) = arg.post_raw(path, token, body.clone()).await;
        assert_eq!(
            (status, response["error"]["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some(code)),
            "{path} {body}: {response}"
        );
    }

    // A `$top` over the maximum is capped, not refused; 2021-03-01 is served too.
    let (status, _, body) = arg
        .post_raw(
            "/providers/Microsoft.ResourceGraph/resources?api-version=2021-03-01",
            token,
            json!({"query": "resources | project id", "options": {"$top": 5000}}).to_string(),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["count"], 12);
}
