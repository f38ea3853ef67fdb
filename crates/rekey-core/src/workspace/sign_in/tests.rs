//! What an Azure CLI token says about its account.

use super::*;
use base64::Engine;

fn jwt(claims: serde_json::Value) -> String {
    let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(claims.to_string());
    format!("e30.{payload}.sig")
}

#[test]
fn an_azure_cli_token_names_its_account() {
    let person = TokenIdentity::read(&jwt(serde_json::json!({
        "tid": "t", "oid": "o", "preferred_username": "a@b.example", "appid": "04b0"
    })));
    assert_eq!(person.name.as_deref(), Some("a@b.example"));
    assert_eq!(
        (person.tid.as_deref(), person.appid.as_deref()),
        (Some("t"), Some("04b0"))
    );
    let app = TokenIdentity::read(&jwt(serde_json::json!({"tid": "t", "appid": "c"})));
    assert_eq!(app.name.as_deref(), Some("application c"));
    let unreadable = TokenIdentity::read("not-a-token");
    assert!(unreadable.name.is_none() && unreadable.tid.is_none());
}
