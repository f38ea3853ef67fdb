// TEMPORARY (issue 6 screenshot): seeds the vault in REKEY_HOME with demo-tenant secrets. Removed after use.
use chrono::Utc;
use rekey_core::inventory::model::CredentialOwner;
use rekey_core::paths::AppPaths;
use rekey_core::secure_store::SecureStore;
use rekey_core::vault::{Vault, VaultEntry, SERVICE};
use secrecy::SecretString;

#[tokio::main]
async fn main() {
    let paths = AppPaths::resolve().unwrap();
    let vault = Vault::open(&paths).await.unwrap();
    let t = "71a75e92-53e7-560f-97d6-47ef03ebc38a";
    let prod = "/subscriptions/6812a6ee-2f2f-5c1c-b909-5b34756b3daa/resourcegroups/rg-prod-weu/providers/Microsoft.ContainerService/managedClusters/";
    let e = |tenant: &str, app: &str, name: &str, key: &str, hint: &str, days: i64, clusters: Vec<String>| {
        VaultEntry {
            tenant_id: tenant.into(),
            app_id: app.into(),
            key_id: key.into(),
            hint: Some(hint.into()),
            display_name: Some("rekey 2026".into()),
            app_display_name: Some(name.into()),
            owner: CredentialOwner::Application,
            created: Utc::now(),
            expires: Some(Utc::now() + chrono::Duration::days(days)),
            clusters,
            rotation_id: None,
        }
    };
    let entries = vec![
        e(t, "a3818e68-f84b-56d9-bce0-0fb2c60075cc", "aks-prod-weu-sp", "71453ea5-fd3b-5bf3-85dd-c08bf1a8e764", "Qx7", 179,
          vec![format!("{prod}aks-prod-weu"), format!("{prod}aks-prod-weu-2")]),
        e(t, "7ec79a61-609e-532a-baee-d00cb839f758", "aks-payments-sp", "d3226f7e-274b-585a-ac23-76a5f7bc423b", "Lm2", 21,
          vec!["/subscriptions/6812a6ee-2f2f-5c1c-b909-5b34756b3daa/resourcegroups/rg-payments/providers/Microsoft.ContainerService/managedClusters/aks-payments".into()]),
        e(t, "9b86d9e2-d6ba-5f52-8c28-6ed60ad4d98e", "aks-stg-weu-sp", "5e0c2b1a-7f3d-4c2e-9a8b-1d2e3f4a5b6c", "Zr4", 88,
          vec!["/subscriptions/f6099057-cc82-519b-afb0-d978e0a15966/resourcegroups/rg-stg/providers/Microsoft.ContainerService/managedClusters/aks-stg-weu".into()]),
        e("c0ffee00-1234-4abc-8def-0123456789ab", "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9", "fabrikam-shared-sp", "7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d", "Fb9", 300, vec![]),
        e(t, "22334c5e-a412-574c-a5e6-23bec0b96b64", "aks-ci-runners-sp", "0d9e8f7a-6b5c-4d3e-8f1a-2b3c4d5e6f70", "Ci3", -4, vec![]),
    ];
    for (i, entry) in entries.into_iter().enumerate() {
        let secret = SecretString::from(format!(
            "{}8Q~seeded-for-the-screenshot-only-{i:02}xxxx",
            entry.hint.clone().unwrap()
        ));
        vault.put(entry.clone(), &secret).await.unwrap();
        if i == 4 {
            SecureStore::platform()
                .await
                .unwrap()
                .delete(SERVICE, &entry.account())
                .await
                .unwrap();
        }
    }
    println!("seeded {}", vault.entries().await.unwrap().len());
}
