//! The IDs one Graph response carries, in its headers and in any error's `innerError`.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::context::Sim;

/// The IDs one response carries in its headers and in any error's `innerError`.
#[derive(Debug, Clone)]
pub struct Trace {
    pub request_id: String,
    /// The caller's `client-request-id`, or the request ID when none was sent (as Graph does).
    pub client_request_id: String,
    pub date: DateTime<Utc>,
}

impl Trace {
    pub fn new(sim: &Sim, client_request_id: Option<&str>) -> Self {
        let request_id = Uuid::new_v4().to_string();
        let client_request_id = client_request_id
            .map(str::trim)
            .filter(|id| !id.is_empty())
            .map_or_else(|| request_id.clone(), str::to_string);
        Trace {
            request_id,
            client_request_id,
            date: sim.state.now(),
        }
    }
}
