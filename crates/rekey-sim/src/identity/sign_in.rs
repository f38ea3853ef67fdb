//! The sign-in pages' check of a typed user name and password, and their note on the demo accounts.

use super::claims::Person;
use super::html;
use super::tenancy::Tenancy;
use crate::scenario::DEMO_USERS;
use crate::state::{secret_digest, World};

/// The outcome of checking a user name and password typed into a sign-in page.
pub(super) enum SignIn {
    Ok(Person),
    /// Unknown user or wrong password: the page does not say which.
    WrongCredentials,
    /// A real user, but of another tenant than the one signed in to.
    OtherTenant,
}

impl SignIn {
    /// The person signed in, or the message the page shows instead; `other_tenant` is the page's
    /// wording for a user of another tenant.
    pub(super) fn person(self, other_tenant: &'static str) -> Result<Person, &'static str> {
        match self {
            SignIn::Ok(person) => Ok(person),
            SignIn::WrongCredentials => Err("Your account or password is incorrect."),
            SignIn::OtherTenant => Err(other_tenant),
        }
    }
}

pub(super) fn sign_in(world: &World, tenancy: Tenancy, username: &str, password: &str) -> SignIn {
    let user = world
        .users
        .iter()
        .find(|u| u.user_principal_name.eq_ignore_ascii_case(username.trim()));
    match user {
        Some(u) if u.password_sha256 == secret_digest(password) => {
            if tenancy.admits(u.tenant_id) {
                SignIn::Ok(Person::from(u))
            } else {
                SignIn::OtherTenant
            }
        }
        _ => SignIn::WrongCredentials,
    }
}

/// The note on every sign-in page: the demo accounts that work in the loaded world.
pub(super) fn demo_accounts_note(world: &World) -> String {
    let working: Vec<String> = DEMO_USERS
        .iter()
        .filter(|(upn, _, password)| {
            world.users.iter().any(|u| {
                u.user_principal_name.eq_ignore_ascii_case(upn)
                    && u.password_sha256 == secret_digest(password)
            })
        })
        .map(|(upn, name, password)| {
            format!(
                "<li><code>{}</code> ({}), password <code>{}</code></li>",
                html::escape(upn),
                html::escape(name),
                html::escape(password)
            )
        })
        .collect();
    if working.is_empty() {
        return "<div class=\"note\">This is a simulated sign-in. Use a user of the loaded scenario.</div>"
            .into();
    }
    format!(
        "<div class=\"note\"><p>This is a simulated sign-in. Demo accounts:</p><ul>{}</ul></div>",
        working.concat()
    )
}
