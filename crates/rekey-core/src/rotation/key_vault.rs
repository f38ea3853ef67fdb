//! Key Vault as a rotation's second destination: which vault and secret name a group writes to (the
//! option, else the application's setting), and the pre-flight that finds the vault through ARM and
//! checks that the caller may set and read its secrets. Reads only.

use super::model::{Check, KeyVaultCopy};
use crate::azure::identity::covers;
use crate::azure::keyvault::{check_secret_name, checked_vault_uri, vault_id, KeyVault};
use crate::azure::CallError;
use crate::session::Session;
pub use crate::settings::KeyVaultChoice;

/// Built-in roles whose data actions include `Microsoft.KeyVault/vaults/secrets/setSecret/action`
/// and `getSecret/action`: Key Vault Secrets Officer, Key Vault Administrator (Azure built-in roles).
/// Owner and Contributor manage the vault but grant no data action.
const SET_ROLES: [(&str, &str); 2] = [
    (
        "b86a8fe4-44ce-4948-aee5-eccb2c155cd7",
        "Key Vault Secrets Officer",
    ),
    ("00482a5a-887f-4fb3-b363-3b7fe8e74483", "Key Vault Administrator"),
];

/// One name per application, stable across rotations, so a pipeline reads the same secret:
/// `<app display name>-secret` in Key Vault's alphabet, else `sp-<appId>`.
pub fn default_secret_name(display_name: Option<&str>, app_id: &str) -> String {
    let cleaned: String = display_name
        .unwrap_or_default()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let cleaned = cleaned.trim_matches('-');
    if cleaned.is_empty() {
        format!("sp-{app_id}")
    } else {
        let mut name = format!("{cleaned}-secret");
        name.truncate(127);
        name
    }
}

/// The Key Vault copy of a group and the pre-flight's finding about it.
pub async fn plan_copy(
    session: &Session,
    choice: &KeyVaultChoice,
    display_name: Option<&str>,
    app_id: &str,
    caller: Option<&str>,
) -> (Option<KeyVaultCopy>, Check) {
    const NAME: &str = "key vault";
    let secret_name = choice
        .secret_name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| default_secret_name(display_name, app_id));
    if let Err(e) = check_secret_name(&secret_name).and_then(|()| vault_id(&choice.vault_id).map(drop)) {
        return (None, Check::block(NAME, e.to_string()));
    }
    let vault = match session.arm.get_key_vault(&choice.vault_id).await {
        Ok(v) => v,
        Err(e) => {
            return (
                None,
                Check::block(
                    NAME,
                    format!(
                        "the vault {} cannot be read through ARM: {}",
                        choice.vault_id,
                        crate::error::IpcError::from(&e).message
                    ),
                ),
            )
        }
    };
    if let Err(e) = checked_vault_uri(session.arm.cloud(), &vault.name, &vault.vault_uri) {
        return (None, Check::block(NAME, e.to_string()));
    }
    let copy = KeyVaultCopy {
        vault_id: vault.id.clone(),
        vault_name: vault.name.clone(),
        vault_uri: vault.vault_uri.clone(),
        secret_name: secret_name.clone(),
    };
    let where_ = format!("{} as '{secret_name}'", vault.name);
    let check = match may_set(session, &vault, caller).await {
        Ok(how) => Check::ok(
            NAME,
            format!("the new secret is also written to {where_} before any cluster is reset ({how})"),
        ),
        Err(Refusal::No(why)) => Check::block(NAME, format!("{where_}: {why}")),
        Err(Refusal::Unsure(why)) => Check::warn(
            NAME,
            format!(
                "{where_}: {why}; if the write is refused, the rotation stops before any cluster is reset"
            ),
        ),
    };
    (Some(copy), check)
}

enum Refusal {
    No(String),
    Unsure(String),
}

/// Whether `caller` may set and read secrets in `vault`, and through what.
async fn may_set(session: &Session, vault: &KeyVault, caller: Option<&str>) -> Result<String, Refusal> {
    let Some(caller) = caller else {
        return Err(Refusal::Unsure(
            "who you are could not be read from your token".into(),
        ));
    };
    if !vault.rbac {
        let policy = vault
            .access_policies
            .iter()
            .find(|p| p.object_id.eq_ignore_ascii_case(caller));
        return match policy {
            Some(p) if p.allows("set") && p.allows("get") => Ok("access policy: get, set".into()),
            _ => Err(Refusal::No(
                "the vault's access policies give you no 'set' and 'get' permission on secrets (az \
                 keyvault set-policy --name <vault> --object-id <you> --secret-permissions get set)"
                    .into(),
            )),
        };
    }
    let scope = vault_id(&vault.id).map_err(|e| Refusal::Unsure(e.to_string()))?;
    let assignments = session
        .arm
        .role_assignments_at(&scope, caller)
        .await
        .map_err(|e: CallError| Refusal::Unsure(format!("your role assignments could not be read ({e})")))?;
    let mut custom = false;
    for a in assignments.iter().filter(|a| covers(&a.scope, &vault.id)) {
        let guid = a.role_definition_id.rsplit('/').next().unwrap_or_default();
        if let Some((_, name)) = SET_ROLES.iter().find(|(id, _)| id.eq_ignore_ascii_case(guid)) {
            return Ok(format!("Azure RBAC: {name}"));
        }
        // A role Rekey does not know by name may be a custom one with the data action.
        custom |= crate::azure::builtin_roles::role_name(&a.role_definition_id).eq_ignore_ascii_case(guid);
    }
    if custom {
        return Err(Refusal::Unsure(
            "none of your built-in roles may set secrets in it, and a custom role of yours may".into(),
        ));
    }
    Err(Refusal::No(
        "you hold no role that may set secrets in it (Key Vault Secrets Officer or Key Vault \
         Administrator; Owner and Contributor do not give access to secrets)"
            .into(),
    ))
}

#[cfg(test)]
mod tests {
    use super::default_secret_name;

    #[test]
    fn a_secret_name_per_application_in_key_vaults_alphabet() {
        assert_eq!(
            default_secret_name(Some("aks-prod-weu-sp"), "a1"),
            "aks-prod-weu-sp-secret"
        );
        assert_eq!(
            default_secret_name(Some("My app (old)"), "a1"),
            "My-app--old-secret"
        );
        assert_eq!(default_secret_name(Some("ééé"), "a1"), "sp-a1");
        assert_eq!(default_secret_name(None, "a1"), "sp-a1");
    }
}
