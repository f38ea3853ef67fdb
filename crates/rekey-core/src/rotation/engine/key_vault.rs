//! Step 5 when the plan names a vault: the proven new secret is also written to the admin's Key Vault
//! secret (its end as `exp`, tags naming the application, key and rotation) and read back, before any
//! cluster is reset. A refused or failed write stops the rotation there, like a failed keyring write:
//! every cluster is still on its old secret. The older versions stay in Key Vault's history.

use std::collections::BTreeMap;

use secrecy::{ExposeSecret, SecretString};

use super::step::{stop, transient, Stop};
use super::{Run, Target};
use crate::azure::keyvault::{SecretMeta, VaultSecrets};
use crate::rotation::journal::Event;
use crate::rotation::model::Step;
use crate::vault::KeyVaultPlace;

/// Key Vault's `contentType` for the secrets Rekey writes (free text, at most 255 characters).
pub const CONTENT_TYPE: &str = "Microsoft Entra ID client secret (written by Rekey)";

impl Run<'_> {
    pub(super) async fn write_key_vault(&self, target: &Target, secret: &SecretString) -> Result<(), Stop> {
        let state = self.snapshot().await;
        let Some(copy) = state.group.key_vault.clone() else {
            return Ok(());
        };
        if state.key_vault_version.is_some() {
            return Ok(());
        }
        let step = self.scope(Step::KeyVault, None);
        // The vault as planned; its address is checked again against this session's cloud.
        let secrets = VaultSecrets::new(
            self.ctx.session.arm.pipeline().clone(),
            &copy.vault_name,
            &copy.vault_uri,
        )
        .map_err(|e| stop(Step::KeyVault, e.to_string()))?;
        let created = state.created.clone();
        let key_id = created.as_ref().map(|c| c.key_id.clone()).unwrap_or_default();
        let tags = BTreeMap::from([
            ("appId".to_string(), target.app_id.clone()),
            ("keyId".to_string(), key_id.clone()),
            ("rotation".to_string(), state.group.rotation_id.clone()),
        ]);
        let meta = SecretMeta {
            content_type: CONTENT_TYPE.into(),
            not_before: None,
            expires: created.as_ref().and_then(|c| c.end),
            tags,
        };
        let name = copy.secret_name.as_str();
        let written = transient(Step::KeyVault, || secrets.set(name, secret, &meta))
            .await
            .map_err(|s| explained(s, &copy.vault_name))?;
        let read = transient(Step::KeyVault, || secrets.get(name, &written.version))
            .await
            .map_err(|s| explained(s, &copy.vault_name))?;
        if read.expose_secret() != secret.expose_secret() {
            return Err(stop(
                Step::KeyVault,
                format!(
                    "Key Vault {} gave back a different value for {name} version {}: nothing was reset; \
                     the clusters are on their old secret",
                    copy.vault_name, written.version
                ),
            ));
        }
        let event = Event::KeyVaultWritten {
            vault_id: copy.vault_id.clone(),
            secret_name: copy.secret_name.clone(),
            version: written.version.clone(),
        };
        let place = KeyVaultPlace {
            vault_name: copy.vault_name.clone(),
            vault_uri: copy.vault_uri.clone(),
            secret_name: copy.secret_name.clone(),
            version: written.version.clone(),
        };
        // The index's note is for the Vault page; the journal is what the rotation goes by.
        if let Err(e) = self.ctx.vault.add_key_vault(&key_id, place).await {
            tracing::warn!("the vault index could not note the Key Vault copy: {e}");
        }
        let detail = format!("{}/{name} version {}", copy.vault_name, written.version);
        step.ok(Some(event), Some(detail.clone()), Some(detail)).await
    }
}

/// A failed write, with where the rotation stands.
fn explained(mut s: Stop, vault: &str) -> Stop {
    s.message = format!(
        "Key Vault {vault}: {}. No cluster was reset: every cluster is still on its old secret; fix the \
         vault's access and resume, or roll back",
        s.message
    );
    s
}
