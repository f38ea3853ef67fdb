//! The form and query parameters of the identity platform's endpoints.

use crate::request::SimRequest;

/// Form or query parameters. The first value of a name wins; unknown names are ignored.
pub(super) struct Params(Vec<(String, String)>);

impl Params {
    /// A form body; `None` when it is not `application/x-www-form-urlencoded` text.
    pub(super) fn from_body(body: &[u8]) -> Option<Self> {
        serde_urlencoded::from_bytes(body).ok().map(Params)
    }

    pub(super) fn from_query(req: &SimRequest) -> Self {
        let pairs = req
            .raw_query
            .as_deref()
            .map(|q| url::form_urlencoded::parse(q.as_bytes()).into_owned().collect())
            .unwrap_or_default();
        Params(pairs)
    }

    pub(super) fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// Like [`Params::get`], with an empty value counted as absent.
    pub(super) fn value(&self, name: &str) -> Option<&str> {
        self.get(name).filter(|v| !v.is_empty())
    }

    /// Whether the client asked for `client_info` (MSAL's account key) in the token response.
    pub(super) fn wants_client_info(&self) -> bool {
        self.get("client_info") == Some("1")
    }
}
