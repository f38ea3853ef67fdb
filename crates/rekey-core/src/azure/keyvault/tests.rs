use super::*;

#[test]
fn a_vault_address_must_lie_in_the_clouds_key_vault_domain() {
    let public = Cloud::azure_public();
    assert!(checked_vault_uri(&public, "kv-a", "https://kv-a.vault.azure.net/").is_ok());
    assert!(checked_vault_uri(&public, "kv-a", "https://KV-A.vault.azure.net").is_ok());
    for bad in [
        "http://kv-a.vault.azure.net/",
        "https://kv-b.vault.azure.net/",
        "https://kv-a.vault.azure.net.evil.example/",
        "https://kv-a.vault.azure.cn/",
        "https://user@kv-a.vault.azure.net/",
        "https://kv-a.vault.azure.net/secrets/",
        "https://kv-a.vault.azure.net/?x=1",
        "not a url",
    ] {
        assert!(checked_vault_uri(&public, "kv-a", bad).is_err(), "{bad}");
    }
    let china = Cloud::azure_china();
    assert!(checked_vault_uri(&china, "kv-a", "https://kv-a.vault.azure.cn/").is_ok());
    assert!(checked_vault_uri(&china, "kv-a", "https://kv-a.vault.azure.net/").is_err());
}

#[test]
fn a_cloud_that_serves_vaults_on_its_own_host_is_taken_at_its_word_for_that_host_only() {
    let mut private = Cloud::azure_public();
    private.key_vault_suffix = Some("127.0.0.1".into());
    assert!(checked_vault_uri(&private, "kv-a", "https://127.0.0.1:40123/").is_ok());
    assert!(checked_vault_uri(&private, "kv-a", "https://127.0.0.2:40123/").is_err());
    private.key_vault_suffix = None;
    assert!(checked_vault_uri(&private, "kv-a", "https://127.0.0.1:40123/").is_err());
}

#[test]
fn vault_ids_and_secret_names_are_checked() {
    assert!(vault_id("/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv").is_ok());
    assert!(vault_id("/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/kv").is_err());
    assert!(vault_id("/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv/secrets/x").is_err());
    assert!(check_secret_name("sp-aks-prod").is_ok());
    assert!(check_secret_name("").is_err());
    assert!(check_secret_name("a/b").is_err());
    assert!(check_secret_name(&"a".repeat(128)).is_err());
}
