//! The resource a Graph URL names: `applications`, `applications/{id}`, `applications(appId='…')`,
//! an action below one of them, or `$batch`; and the object a key names in the caller's tenant.

use uuid::Uuid;

use super::auth::Caller;
use super::errors::GraphError;
use super::kind::Kind;
use crate::state::{KeyCredential, PasswordCredential, World};

/// How a URL names one directory object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Key {
    /// The object ID (`/applications/{id}` or `/applications('{id}')`).
    Id(Uuid),
    /// The alternate key (`/applications(appId='{appId}')`); not necessarily a GUID, which then matches nothing.
    AppId(String),
}

impl Key {
    /// The value Graph names in a 404 message.
    pub fn text(&self) -> String {
        match self {
            Key::Id(id) => id.to_string(),
            Key::AppId(app_id) => app_id.clone(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    AddPassword,
    RemovePassword,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    ServiceRoot,
    Batch,
    Collection(Kind),
    Entity(Kind, Key),
    Action(Kind, Key, Action),
}

/// Parses the path segments after `/v1.0`.
pub fn parse(segments: &[String]) -> Result<Target, GraphError> {
    let Some((first, rest)) = segments.split_first() else {
        return Ok(Target::ServiceRoot);
    };
    if first.eq_ignore_ascii_case("$batch") {
        return match rest.first() {
            None => Ok(Target::Batch),
            Some(extra) => Err(GraphError::unknown_segment(extra)),
        };
    }
    let (kind, key, rest) = match entity_set(first)? {
        (kind, Some(key)) => (kind, key, rest),
        (kind, None) => match rest.split_first() {
            None => return Ok(Target::Collection(kind)),
            Some((id, rest)) => (kind, object_id(id)?, rest),
        },
    };
    match rest {
        [] => Ok(Target::Entity(kind, key)),
        [action, more @ ..] => {
            let action = parse_action(action)?;
            match more.first() {
                None => Ok(Target::Action(kind, key, action)),
                Some(extra) => Err(GraphError::unknown_segment(extra)),
            }
        }
    }
}

/// `applications` or `applications(<key>)`, in any letter case, as Graph accepts.
fn entity_set(segment: &str) -> Result<(Kind, Option<Key>), GraphError> {
    let (name, key) = match segment.split_once('(') {
        Some((name, key)) => (name, Some(key)),
        None => (segment, None),
    };
    let kind = [Kind::Application, Kind::ServicePrincipal]
        .into_iter()
        .find(|k| k.entity_set().eq_ignore_ascii_case(name))
        .ok_or_else(|| GraphError::unknown_segment(segment))?;
    let key = match key {
        None => None,
        Some(key) => Some(parse_key(key.strip_suffix(')').ok_or_else(syntax_error)?)?),
    };
    Ok((kind, key))
}

/// The inside of `(…)`: `appId='…'` or `'{id}'`.
fn parse_key(inner: &str) -> Result<Key, GraphError> {
    let inner = inner.trim();
    match inner.split_once('=') {
        Some((name, value)) if name.trim().eq_ignore_ascii_case("appId") => {
            Ok(Key::AppId(unquote(value.trim()).ok_or_else(syntax_error)?))
        }
        Some((name, _)) => Err(GraphError::bad_request(format!(
            "The key property '{}' is not an alternate key of this entity set.",
            name.trim()
        ))),
        None => object_id(&unquote(inner).ok_or_else(syntax_error)?),
    }
}

/// An OData string literal: single-quoted, with `''` for a quote.
fn unquote(literal: &str) -> Option<String> {
    let body = literal.strip_prefix('\'')?.strip_suffix('\'')?;
    let text = body.replace("''", "'");
    // A lone quote inside means the literal was not one string.
    (text.matches('\'').count() * 2 == body.matches('\'').count()).then_some(text)
}

fn object_id(text: &str) -> Result<Key, GraphError> {
    Uuid::parse_str(text)
        .map(Key::Id)
        .map_err(|_| GraphError::directory_bad_request(format!("Invalid object identifier '{text}'.")))
}

fn parse_action(segment: &str) -> Result<Action, GraphError> {
    let name = segment.strip_prefix("microsoft.graph.").unwrap_or(segment);
    if name.eq_ignore_ascii_case("addPassword") {
        Ok(Action::AddPassword)
    } else if name.eq_ignore_ascii_case("removePassword") {
        Ok(Action::RemovePassword)
    } else {
        Err(GraphError::unknown_segment(segment))
    }
}

fn syntax_error() -> GraphError {
    GraphError::bad_request("Bad Request - Error in query syntax.")
}

fn key_matches(key: &Key, object_id: Uuid, app_id: Uuid) -> bool {
    match key {
        Key::Id(id) => *id == object_id,
        Key::AppId(text) => Uuid::parse_str(text).is_ok_and(|a| a == app_id),
    }
}

/// The object ID a key names among the caller's tenant's objects of `kind`.
pub fn find(world: &World, tenant: Uuid, kind: Kind, key: &Key) -> Option<Uuid> {
    match kind {
        Kind::Application => world
            .applications
            .iter()
            .find(|a| a.tenant_id == tenant && key_matches(key, a.object_id, a.app_id))
            .map(|a| a.object_id),
        Kind::ServicePrincipal => world
            .service_principals
            .iter()
            .find(|s| s.tenant_id == tenant && key_matches(key, s.object_id, s.app_id))
            .map(|s| s.object_id),
    }
}

/// Like [`find`], or Graph's 404 naming the key.
pub fn require(world: &World, caller: &Caller, kind: Kind, key: &Key) -> Result<Uuid, GraphError> {
    find(world, caller.tenant_id, kind, key).ok_or_else(|| GraphError::not_found(&key.text()))
}

/// The credential lists of an object found by [`find`].
pub fn credentials_mut(
    world: &mut World,
    kind: Kind,
    object_id: Uuid,
) -> Option<(&mut Vec<PasswordCredential>, &mut Vec<KeyCredential>)> {
    match kind {
        Kind::Application => world
            .applications
            .iter_mut()
            .find(|a| a.object_id == object_id)
            .map(|a| (&mut a.0.password_credentials, &mut a.0.key_credentials)),
        Kind::ServicePrincipal => world
            .service_principals
            .iter_mut()
            .find(|s| s.object_id == object_id)
            .map(|s| (&mut s.0.password_credentials, &mut s.0.key_credentials)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segs(path: &str) -> Vec<String> {
        path.split('/')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn parses_every_key_style() {
        let id = Uuid::new_v4();
        assert_eq!(
            parse(&segs(&format!("applications/{id}"))).ok(),
            Some(Target::Entity(Kind::Application, Key::Id(id)))
        );
        assert_eq!(
            parse(&segs("servicePrincipals(appId='abc')/addPassword")).ok(),
            Some(Target::Action(
                Kind::ServicePrincipal,
                Key::AppId("abc".into()),
                Action::AddPassword
            ))
        );
        assert_eq!(
            parse(&segs(&format!("APPLICATIONS('{id}')"))).ok(),
            Some(Target::Entity(Kind::Application, Key::Id(id)))
        );
        assert_eq!(
            parse(&segs("applications(appId='o''brien')")).ok(),
            Some(Target::Entity(Kind::Application, Key::AppId("o'brien".into())))
        );
    }

    #[test]
    fn rejects_malformed_keys_and_unknown_segments() {
        for path in [
            "applications(appId=abc)",
            "applications(appId='a'b')",
            "applications(appId='abc'",
            "applications/not-a-guid",
            "users",
            "applications/00000000-0000-0000-0000-000000000000/owners",
            "$batch/x",
        ] {
            assert!(parse(&segs(path)).is_err(), "{path}");
        }
    }
}
