//! What every handler shares: the state, the signing key, and the simulator's own address.

use url::Url;

use crate::signing::Signer;
use crate::state::SimState;

/// Audiences ARM accepts, as in public Azure.
pub const ARM_AUDIENCES: &[&str] = &[
    "https://management.core.windows.net/",
    "https://management.azure.com/",
];
/// Key Vault's resource ID, the audience of its tokens in every public-cloud vault.
pub const KEY_VAULT_AUDIENCE: &str = "https://vault.azure.net/";
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
    /// The listener (host and port) of each Key Vault.
    pub vault_hosts: crate::vault_hosts::VaultHosts,
}

impl Sim {
    /// The login authority (no trailing slash), which is the simulator's base URL.
    pub fn authority(&self) -> String {
        self.base_url.as_str().trim_end_matches('/').to_string()
    }

    pub fn graph_audiences(&self) -> [&str; 2] {
        [GRAPH_PUBLIC_AUDIENCE, self.base_url.as_str()]
    }

    /// Key Vault's audiences: the public one, and `https://{keyVaultDns}/` of the simulator's own
    /// cloud (its metadata names the loopback host as the vault DNS suffix).
    pub fn vault_audiences(&self) -> [String; 2] {
        let host = self.base_url.host_str().unwrap_or("127.0.0.1");
        [KEY_VAULT_AUDIENCE.to_string(), format!("https://{host}/")]
    }

    /// Opens a listener for each vault of the world that has none (at start, after a scenario
    /// reload). Takes the world lock: callers must not hold it.
    pub fn open_vault_hosts(&self) {
        let names: Vec<String> = self.state.world().vaults.iter().map(|v| v.name.clone()).collect();
        self.vault_hosts.open(names.iter().map(String::as_str));
    }

    /// Resources a token can be requested for (ARM, Graph and Key Vault).
    pub fn known_resource(&self, resource: &str) -> bool {
        let r = resource.trim_end_matches('/');
        let vault = self.vault_audiences();
        let matches = |a: &str| a.trim_end_matches('/').eq_ignore_ascii_case(r);
        ARM_AUDIENCES
            .iter()
            .copied()
            .chain(self.graph_audiences())
            .any(matches)
            || vault.iter().any(|a| matches(a))
    }
}
