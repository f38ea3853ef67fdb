//! Microsoft Graph v1.0: applications, service principals, their credentials, and `$batch`.

use axum::response::Response;

use crate::context::Sim;
use crate::request::SimRequest;

/// Routes `/v1.0/…`; `None` when the path is not Graph's.
pub fn route(_sim: &Sim, _req: &SimRequest) -> Option<Response> {
    None
}
