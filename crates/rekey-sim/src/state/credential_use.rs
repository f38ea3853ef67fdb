//! Which credential signed in when: every successful app sign-in with a secret or certificate, as the
//! token endpoint saw it, kept as Microsoft Graph's sign-in activity reports need it (the latest per
//! credential and resource, and per app). Interactive flows live in `sign_ins.rs`.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::World;

/// Graph's `applicationKeyOrigin`: on which object the credential lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum CredentialOrigin {
    Application,
    ServicePrincipal,
}

impl CredentialOrigin {
    pub fn as_str(self) -> &'static str {
        match self {
            CredentialOrigin::Application => "application",
            CredentialOrigin::ServicePrincipal => "servicePrincipal",
        }
    }
}

/// Graph's `applicationKeyType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyType {
    ClientSecret,
    Certificate,
}

impl KeyType {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyType::ClientSecret => "clientSecret",
            KeyType::Certificate => "certificate",
        }
    }
}

/// One sign-in with a credential. The credential's facts are copied at sign-in time: the report
/// still shows the activity of a credential removed since (it is built from sign-in data).
#[derive(Debug, Clone)]
pub struct CredentialSignIn {
    pub tenant_id: Uuid,
    pub app_id: Uuid,
    pub key_id: Uuid,
    pub origin: CredentialOrigin,
    pub key_type: KeyType,
    pub app_object_id: Option<Uuid>,
    pub service_principal_object_id: Option<Uuid>,
    pub credential_created: DateTime<Utc>,
    pub credential_expires: DateTime<Utc>,
    /// The token's audience (`https://management.azure.com/`).
    pub resource: String,
    /// The resource's application ID (Graph's `resourceId`), e.g. Microsoft Graph's `00000003-…`.
    pub resource_app_id: Uuid,
    /// When, in simulated time.
    pub at: DateTime<Utc>,
    /// The token response's `x-ms-request-id` (Graph's `lastSignInRequestId`).
    pub request_id: Uuid,
}

/// Where and when a sign-in happened, as the caller of [`World::record_credential_sign_in`] knows it.
#[derive(Debug, Clone)]
pub struct SignInEvent {
    pub tenant_id: Uuid,
    pub app_id: Uuid,
    pub key_id: Uuid,
    pub resource: String,
    pub resource_app_id: Uuid,
    pub at: DateTime<Utc>,
    pub request_id: Uuid,
}

type ResourceKey = (Uuid, Uuid, Uuid, String);

/// The recorded sign-ins: the latest per (tenant, app, key, resource) and per (tenant, app).
#[derive(Debug, Clone, Default)]
pub struct CredentialUse {
    by_resource: BTreeMap<ResourceKey, CredentialSignIn>,
    by_app: BTreeMap<(Uuid, Uuid), CredentialSignIn>,
    /// Stand-in pipelines (tenant, app, key) that keep signing in with a credential: each read of
    /// the reports sees a sign-in "now" ([`World::play_pipelines`]).
    pub pipelines: Vec<(Uuid, Uuid, Uuid)>,
}

fn keep_latest<K: Ord>(map: &mut BTreeMap<K, CredentialSignIn>, key: K, sign_in: &CredentialSignIn) {
    match map.get(&key) {
        Some(kept) if kept.at > sign_in.at => {}
        _ => {
            map.insert(key, sign_in.clone());
        }
    }
}

impl CredentialUse {
    /// Keeps `sign_in` wherever it is newer than what is kept (a sign-in played for an earlier
    /// time does not hide a later one).
    pub fn record(&mut self, sign_in: &CredentialSignIn) {
        let s = sign_in;
        keep_latest(
            &mut self.by_resource,
            (s.tenant_id, s.app_id, s.key_id, s.resource.clone()),
            s,
        );
        keep_latest(&mut self.by_app, (s.tenant_id, s.app_id), s);
    }

    /// The latest sign-in per credential and resource, in a stable order.
    pub fn per_resource(&self) -> impl Iterator<Item = &CredentialSignIn> {
        self.by_resource.values()
    }

    /// The latest sign-in of each app, in a stable order.
    pub fn per_app(&self) -> impl Iterator<Item = &CredentialSignIn> {
        self.by_app.values()
    }

    /// The latest sign-in of each credential (tenant, app, key and origin) across its resources,
    /// ordered by app and key.
    pub fn per_credential(&self) -> Vec<&CredentialSignIn> {
        let mut latest: BTreeMap<(Uuid, Uuid, Uuid, CredentialOrigin), &CredentialSignIn> = BTreeMap::new();
        for s in self.by_resource.values() {
            let key = (s.tenant_id, s.app_id, s.key_id, s.origin);
            if latest.get(&key).is_none_or(|kept| kept.at < s.at) {
                latest.insert(key, s);
            }
        }
        latest.into_values().collect()
    }
}

/// What the directory knows of a credential at sign-in time.
struct Facts {
    origin: CredentialOrigin,
    key_type: KeyType,
    created: DateTime<Utc>,
    expires: DateTime<Utc>,
}

impl World {
    /// The credential `key_id` of `app_id` in `tenant_id`: on the application or the service
    /// principal, a secret or a certificate.
    fn credential_facts(&self, tenant_id: Uuid, app_id: Uuid, key_id: Uuid) -> Option<Facts> {
        let app = self
            .applications
            .iter()
            .find(|a| a.app_id == app_id && a.tenant_id == tenant_id);
        let sp = self
            .service_principals
            .iter()
            .find(|s| s.app_id == app_id && s.tenant_id == tenant_id);
        let owners = [
            (CredentialOrigin::Application, app.map(|a| &a.0)),
            (CredentialOrigin::ServicePrincipal, sp.map(|s| &s.0)),
        ];
        owners.into_iter().find_map(|(origin, owner)| {
            let owner = owner?;
            let secret = owner
                .password_credentials
                .iter()
                .find(|p| p.key_id == key_id)
                .map(|p| (KeyType::ClientSecret, p.created, p.end));
            let certificate = || {
                owner
                    .key_credentials
                    .iter()
                    .find(|k| k.key_id == key_id)
                    .map(|k| (KeyType::Certificate, k.start, k.end))
            };
            secret
                .or_else(certificate)
                .map(|(key_type, created, expires)| Facts {
                    origin,
                    key_type,
                    created,
                    expires,
                })
        })
    }

    /// The stand-in pipelines sign in at `now` (to Azure Resource Manager), as they would have
    /// done continuously; one whose credential is gone signs in no more (its sign-ins fail).
    pub fn play_pipelines(&mut self, now: DateTime<Utc>) {
        for (tenant_id, app_id, key_id) in self.credential_use.pipelines.clone() {
            self.record_credential_sign_in(SignInEvent {
                tenant_id,
                app_id,
                key_id,
                resource: "https://management.azure.com/".into(),
                resource_app_id: ARM_APP_ID,
                at: now,
                request_id: Uuid::new_v4(),
            });
        }
    }

    /// When credential `key_id` of `app_id` in `tenant_id` ends, if the tenant has it.
    pub fn credential_end(&self, tenant_id: Uuid, app_id: Uuid, key_id: Uuid) -> Option<DateTime<Utc>> {
        self.credential_facts(tenant_id, app_id, key_id)
            .map(|f| f.expires)
    }

    /// Records a sign-in with credential `event.key_id` of `event.app_id`; `None` (and nothing
    /// recorded) when the tenant has no such app or credential, or it had ended by then (Entra ID
    /// refuses an expired credential, AADSTS7000222).
    pub fn record_credential_sign_in(&mut self, event: SignInEvent) -> Option<CredentialSignIn> {
        let facts = self.credential_facts(event.tenant_id, event.app_id, event.key_id)?;
        if event.at >= facts.expires {
            return None;
        }
        let app_object_id = self
            .applications
            .iter()
            .find(|a| a.app_id == event.app_id && a.tenant_id == event.tenant_id)
            .map(|a| a.object_id);
        let service_principal_object_id = self
            .service_principals
            .iter()
            .find(|s| s.app_id == event.app_id && s.tenant_id == event.tenant_id)
            .map(|s| s.object_id);
        let sign_in = CredentialSignIn {
            tenant_id: event.tenant_id,
            app_id: event.app_id,
            key_id: event.key_id,
            origin: facts.origin,
            key_type: facts.key_type,
            app_object_id,
            service_principal_object_id,
            credential_created: facts.created,
            credential_expires: facts.expires,
            resource: event.resource,
            resource_app_id: event.resource_app_id,
            at: event.at,
            request_id: event.request_id,
        };
        self.credential_use.record(&sign_in);
        Some(sign_in)
    }
}

/// Microsoft Graph's application ID (its service principal's `appId` in every tenant).
pub const GRAPH_APP_ID: Uuid = Uuid::from_u128(0x00000003_0000_0000_c000_000000000000);
/// Azure Resource Manager's ("Windows Azure Service Management API").
pub const ARM_APP_ID: Uuid = Uuid::from_u128(0x797f4846_ba00_4fd7_ba43_dac1f8f63013);
/// Azure Key Vault's.
pub const KEY_VAULT_APP_ID: Uuid = Uuid::from_u128(0xcfa8b339_82a2_471a_a3c9_0fc0be7a4093);

/// The application ID of the resource an audience names (Graph's `resourceId`): the first-party
/// apps by their public resource URIs, any other audience by a stable ID of its own.
pub fn resource_app_id(audience: &str) -> Uuid {
    let a = audience.trim_end_matches('/').to_ascii_lowercase();
    match a.as_str() {
        "https://graph.microsoft.com" => GRAPH_APP_ID,
        "https://management.azure.com" | "https://management.core.windows.net" => ARM_APP_ID,
        "https://vault.azure.net" => KEY_VAULT_APP_ID,
        _ => super::stable_id("resource", &a),
    }
}
