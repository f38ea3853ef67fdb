//! What every handler shares: the state, the signing key, and the simulator's own address.

use url::Url;

use crate::signing::Signer;
use crate::state::SimState;

/// Audiences ARM accepts, as in public Azure.
pub const ARM_AUDIENCES: &[&str] = &[
    "https://management.core.windows.net/",
    "https://management.azure.com/",
];
/// Graph's public resource ID; the simulator also accepts its own base URL (its metadata names that).
pub const GRAPH_PUBLIC_AUDIENCE: &str = "https://graph.microsoft.com/";

pub struct Sim {
    pub state: SimState,
    pub signer: Signer,
    /// `https://127.0.0.1:<port>/`
    pub base_url: Url,
    /// Bearer token for the `/_sim` control API, printed at start.
    pub admin_token: String,
    /// Puts the demo administrator back after a scenario reload, with the same secret.
    pub admin_seed: crate::scenario::AdminSeed,
    pub faults: crate::faults::FaultSet,
    pub throttle: crate::throttle::Throttle,
    pub requests: crate::request_log::RequestLog,
}

impl Sim {
    /// The login authority (no trailing slash), which is the simulator's base URL.
    pub fn authority(&self) -> String {
        self.base_url.as_str().trim_end_matches('/').to_string()
    }

    pub fn graph_audiences(&self) -> [&str; 2] {
        [GRAPH_PUBLIC_AUDIENCE, self.base_url.as_str()]
    }

    /// Resources a token can be requested for (ARM and Graph).
    pub fn known_resource(&self, resource: &str) -> bool {
        let r = resource.trim_end_matches('/');
        ARM_AUDIENCES
            .iter()
            .chain(self.graph_audiences().iter())
            .any(|a| a.trim_end_matches('/').eq_ignore_ascii_case(r))
    }
}
