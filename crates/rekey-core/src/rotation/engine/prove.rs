//! Step 4, prove: Entra ID issues a token for the new secret (waited for while it replicates).

use secrecy::SecretString;

use super::step::{stop, Stop};
use super::{Run, Target};
use crate::auth::client_secret::ClientSecretCredential;
use crate::auth::AuthError;
use crate::rotation::journal::Event;
use crate::rotation::model::Step;
use crate::rotation::retry::{self, Budget, Kind};

/// A try at a token: the credential could not be built (final), or Entra ID refused.
enum Refused {
    Unusable(String),
    SignIn(AuthError),
}

impl Run<'_> {
    pub(super) async fn prove(&self, target: &Target, secret: &SecretString) -> Result<(), Stop> {
        let state = self.snapshot().await;
        if state.proven {
            return Ok(());
        }
        let step = self.scope(Step::ProveSecret, None);
        let session = &self.ctx.session;
        let http = session.arm.pipeline().http();
        let cloud = session.arm.cloud();
        let limit = self.ctx.options.replication_timeout;
        let mut budget = Budget::waiting(limit);
        let token = retry::retrying(
            &mut budget,
            |_| async {
                let credential = ClientSecretCredential::new(
                    http.clone(),
                    &cloud.login_endpoint,
                    &state.group.tenant_id,
                    &target.app_id,
                    secret.clone(),
                )
                .map_err(|e| Refused::Unusable(e.to_string()))?;
                credential
                    .token(&cloud.arm_scope())
                    .await
                    .map_err(Refused::SignIn)
            },
            // Replication (the secret or app not known yet) and passing trouble (network,
            // throttling, a server error) are waited out; anything else is final.
            |refused, budget| match refused {
                Refused::SignIn(e) if retry::classify_sign_in(e) != Kind::Fatal => {
                    let pause = budget.next(Kind::Replication)?;
                    step.waiting("waiting for Entra ID to replicate the new secret");
                    Some(pause)
                }
                _ => None,
            },
        )
        .await;
        match token {
            Ok(_) => {}
            Err(Refused::Unusable(why)) => return Err(stop(Step::ProveSecret, why)),
            Err(Refused::SignIn(e)) => {
                let why = if retry::classify_sign_in(&e) != Kind::Fatal {
                    format!(
                        "Entra ID still refuses the new secret after {} s ({e}). The cluster is untouched, on its \
                         old secret. Retry later, or roll back to remove the unused new secret",
                        limit.as_secs()
                    )
                } else {
                    format!("{e}. The cluster is untouched, on its old secret")
                };
                return Err(stop(Step::ProveSecret, why));
            }
        }
        let key_id = state
            .created
            .as_ref()
            .map(|c| c.key_id.clone())
            .unwrap_or_default();
        let event = Event::SecretProven {
            key_id: key_id.clone(),
        };
        step.ok(Some(event), None, Some(key_id)).await
    }
}
