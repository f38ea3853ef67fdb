//! The control API under `/_sim/…`: scenario, state, faults, clock. Protected by the admin token.

use axum::response::Response;

use crate::context::Sim;
use crate::request::SimRequest;

/// Routes `/_sim/…`; `None` for any other path.
pub fn route(_sim: &Sim, _req: &SimRequest) -> Option<Response> {
    None
}
