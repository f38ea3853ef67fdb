//! Azure Resource Graph: `POST /providers/Microsoft.ResourceGraph/resources`.

use axum::response::Response;

use crate::context::Sim;
use crate::request::SimRequest;

/// Routes the Resource Graph path; `None` for any other path.
pub fn route(_sim: &Sim, _req: &SimRequest) -> Option<Response> {
    None
}
