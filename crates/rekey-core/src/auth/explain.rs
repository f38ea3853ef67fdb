//! Sign-in failures in plain words for people, with the code kept for support.

use super::AuthError;
use crate::error::IpcError;

/// What a sign-in failure means and what to do about it. The `code` (`AADSTS7000215`, `cancelled`…)
/// is for support; the message never quotes a secret.
pub fn explain(e: &AuthError) -> IpcError {
    IpcError::new(e.code(), message(e))
}

fn message(e: &AuthError) -> String {
    if let Some(words) = e.aadsts().and_then(aadsts_words) {
        return words.to_string();
    }
    match e {
        AuthError::InteractionRequired { .. } => {
            "Your saved sign-in has expired or was revoked. Sign in again in the browser.".into()
        }
        AuthError::Rejected { error, .. } if error == "access_denied" => {
            "The sign-in was cancelled in the browser. Sign in again when you are ready.".into()
        }
        AuthError::Cancelled => "You cancelled the sign-in.".into(),
        AuthError::TimedOut { .. } => format!(
            "{}. Sign in again, or use the device code sign-in if the browser did not open.",
            capitalized(&e.to_string())
        ),
        AuthError::StateMismatch | AuthError::IdTokenMismatch(_) => {
            "The browser's answer did not belong to this sign-in, so Rekey ignored it. Close other \
             sign-in tabs and sign in again."
                .into()
        }
        AuthError::Browser(why) => {
            format!("Rekey could not open a web browser: {why}. Use the device code sign-in instead.")
        }
        AuthError::DeviceCodeDeclined => {
            "The sign-in was declined on the other device. Start again and approve it there.".into()
        }
        AuthError::DeviceCodeExpired => {
            "The code expired before the sign-in was finished (codes last 15 minutes). Start again \
             and enter the new code."
                .into()
        }
        AuthError::AzureCli { guidance } => guidance.clone(),
        AuthError::InvalidTenant(tenant) => format!(
            "'{tenant}' is not a tenant ID or domain. Enter a tenant ID (a GUID) or a domain such as \
             contoso.onmicrosoft.com."
        ),
        _ => capitalized(&e.to_string()),
    }
}

/// The AADSTS codes people meet most, in plain words.
fn aadsts_words(code: u32) -> Option<&'static str> {
    Some(match code {
        65001 => {
            "An administrator of this tenant has to consent to the application before you can sign in \
                  with it. Ask an administrator to grant consent, or sign in to another tenant."
        }
        90002 => {
            "That tenant was not found in this cloud. Check the tenant ID or domain, and that you \
                  chose the right cloud (public, China, US Government or custom)."
        }
        700005 => "The sign-in belongs to another tenant. Sign in again to the tenant you want to use.",
        700016 => {
            "The application was not found in this tenant. Check the client ID and the tenant; a new \
                   application can take a few minutes to appear."
        }
        7000215 => {
            "The client secret is wrong. Use the secret's Value (not its Secret ID) and check that \
                    it was not removed from the application."
        }
        7000222 => {
            "The client secret has expired. Create a new secret for the application and sign in \
                    with it."
        }
        50076 | 50079 | 50158 | 53003 => {
            "Your organisation requires you to sign in again (for example \
                   with multi-factor authentication). Sign in again in the browser."
        }
        50126 => "The user name or password is wrong.",
        70043 | 700082 | 50173 | 50133 | 700084 => {
            "Your saved sign-in has expired or was revoked. Sign in again in the browser."
        }
        _ => return None,
    })
}

fn capitalized(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

impl From<&AuthError> for IpcError {
    fn from(e: &AuthError) -> Self {
        explain(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rejected(error: &str, aadsts: u32) -> AuthError {
        AuthError::Rejected {
            error: error.into(),
            aadsts,
            description: "the service's words".into(),
        }
    }

    #[test]
    fn aadsts_codes_become_plain_words() {
        let cases = [
            (rejected("invalid_grant", 65001), "consent"),
            (rejected("invalid_request", 90002), "tenant was not found"),
            (rejected("invalid_grant", 700005), "another tenant"),
            (
                AuthError::UnknownApplication {
                    aadsts: 700016,
                    description: String::new(),
                },
                "application was not found",
            ),
            (
                AuthError::InvalidClient {
                    aadsts: 7000215,
                    description: String::new(),
                },
                "secret is wrong",
            ),
            (
                AuthError::InvalidClient {
                    aadsts: 7000222,
                    description: String::new(),
                },
                "secret has expired",
            ),
            (
                AuthError::InteractionRequired {
                    aadsts: 50076,
                    description: String::new(),
                },
                "multi-factor",
            ),
            (rejected("interaction_required", 50079), "multi-factor"),
            (rejected("interaction_required", 50158), "sign in again"),
        ];
        for (error, words) in cases {
            let shown = explain(&error);
            assert_eq!(
                shown.code,
                format!("AADSTS{}", error.aadsts().unwrap_or_default())
            );
            assert!(shown.message.contains(words), "{}: {}", shown.code, shown.message);
            assert!(
                !shown.message.contains("the service's words"),
                "{}",
                shown.message
            );
        }
    }

    #[test]
    fn flow_outcomes_become_plain_words() {
        let cases = [
            (AuthError::DeviceCodeDeclined, "device_code_declined", "declined"),
            (AuthError::DeviceCodeExpired, "device_code_expired", "expired"),
            (AuthError::Cancelled, "cancelled", "cancelled"),
            (
                AuthError::TimedOut { seconds: 300 },
                "timeout",
                "within 5 minutes",
            ),
            (
                rejected("access_denied", 65004),
                "AADSTS65004",
                "cancelled in the browser",
            ),
            (AuthError::StateMismatch, "state_mismatch", "did not belong"),
            (
                AuthError::InteractionRequired {
                    aadsts: 9002313,
                    description: String::new(),
                },
                "AADSTS9002313",
                "expired or was revoked",
            ),
            (
                AuthError::AzureCli {
                    guidance: "Run `az login`.".into(),
                },
                "azure_cli",
                "az login",
            ),
        ];
        for (error, code, words) in cases {
            let shown = explain(&error);
            assert_eq!(shown.code, code);
            assert!(shown.message.contains(words), "{code}: {}", shown.message);
        }
    }
}
