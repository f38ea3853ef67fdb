//! Tests of [`super`]: cloud.

use super::*;

#[test]
fn parses_cloud_names_and_metadata_urls() {
    assert_eq!(CloudSetting::parse_cli("Public").ok(), Some(CloudSetting::Public));
    assert_eq!(CloudSetting::parse_cli("china").ok(), Some(CloudSetting::China));
    assert_eq!(
        CloudSetting::parse_cli("AzureUSGovernment").ok(),
        Some(CloudSetting::UsGov)
    );
    let full = "https://arm.example/metadata/endpoints?api-version=2022-09-01";
    assert_eq!(
        CloudSetting::parse_cli(full).ok(),
        Some(CloudSetting::Custom {
            metadata_url: full.into(),
            ca_file: None
        })
    );
    assert_eq!(
        CloudSetting::parse_cli("https://arm.example").ok(),
        Some(CloudSetting::Custom {
            metadata_url: full.into(),
            ca_file: None
        })
    );
    assert!(CloudSetting::parse_cli("http://arm.example/").is_err());
    assert!(CloudSetting::parse_cli("mars").is_err());
}

#[test]
fn serializes_as_tagged_camel_case() {
    let custom = CloudSetting::Custom {
        metadata_url: "https://arm.example/".into(),
        ca_file: Some("/ca.pem".into()),
    };
    assert_eq!(
        serde_json::to_value(&custom).ok(),
        Some(
            serde_json::json!({"kind": "custom", "metadataUrl": "https://arm.example/", "caFile": "/ca.pem"})
        )
    );
    assert_eq!(
        serde_json::to_value(CloudSetting::UsGov).ok(),
        Some(serde_json::json!({"kind": "usGov"}))
    );
}

fn asked(url: &str) -> Url {
    Url::parse(url).unwrap_or_else(|_| unreachable!("test URL"))
}

fn cloud_json(arm: &str, login: &str) -> serde_json::Value {
    serde_json::json!({
        "name": format!("cloud of {arm}"),
        "resourceManager": arm,
        "microsoftGraphResourceId": "https://graph.example/",
        "authentication": {"loginEndpoint": login, "audiences": ["https://management.example/"]},
        "suffixes": {"keyVaultDns": "vault.example"}
    })
}

#[test]
fn reads_the_one_object_of_2022_09_01() {
    let url = asked("https://arm.example/metadata/endpoints?api-version=2022-09-01");
    let cloud =
        Cloud::from_metadata_answer(cloud_json("https://arm.example/", "https://login.example/"), &url);
    assert_eq!(
        cloud.map(|c| c.login_endpoint.to_string()).ok().as_deref(),
        Some("https://login.example/")
    );
}

#[test]
fn takes_the_listed_cloud_whose_resource_manager_was_asked_not_the_first() {
    let url = asked("https://arm.example/metadata/endpoints?api-version=2019-05-01");
    let list = serde_json::json!([
        cloud_json(
            "https://management.azure.com/",
            "https://login.microsoftonline.com/"
        ),
        cloud_json("https://arm.example", "https://login.example/"),
    ]);
    let cloud = Cloud::from_metadata_answer(list, &url);
    assert_eq!(
        cloud.map(|c| c.login_endpoint.to_string()).ok().as_deref(),
        Some("https://login.example/")
    );
    let elsewhere = serde_json::json!([cloud_json(
        "https://management.azure.com/",
        "https://evil.example/"
    )]);
    assert!(Cloud::from_metadata_answer(elsewhere, &url).is_err());
}

#[test]
fn refuses_http_endpoints_and_names_the_azure_stack_shape() {
    let url = asked("https://arm.example/metadata/endpoints");
    let plain =
        Cloud::from_metadata_answer(cloud_json("https://arm.example/", "http://login.example/"), &url);
    assert!(plain.is_err());
    let stack = serde_json::json!({
        "galleryEndpoint": "https://gallery.local/",
        "graphEndpoint": "https://graph.windows.net/",
        "portalEndpoint": "https://portal.local/",
        "authentication": {"loginEndpoint": "https://adfs.local/adfs", "audiences": ["https://arm.local/x"]}
    });
    let e = Cloud::from_metadata_answer(stack, &url)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(e.contains("2015-01-01"), "{e}");
}

#[test]
fn a_login_host_of_another_domain_is_noticed() {
    let url = asked("https://management.contoso.example/metadata/endpoints");
    let same = Cloud::from_metadata_answer(
        cloud_json(
            "https://management.contoso.example/",
            "https://login.contoso.example/",
        ),
        &url,
    );
    assert_eq!(same.map(|c| c.login_outside_arm_domain()).ok(), Some(false));
    let other = Cloud::from_metadata_answer(
        cloud_json(
            "https://management.contoso.example/",
            "https://login.attacker.example/",
        ),
        &url,
    );
    assert_eq!(other.map(|c| c.login_outside_arm_domain()).ok(), Some(true));
}
