//! A session: one cloud, one credential, and the clients built on them.

use std::sync::Arc;

use serde::Serialize;
use ts_rs::TS;

use crate::auth::Credential;
use crate::azure::arm::ArmClient;
use crate::azure::graph::GraphClient;
use crate::azure::http::HttpClient;
use crate::cloud::Cloud;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum SessionMode {
    /// The built-in simulator: no Azure account is configured.
    Demo,
    Azure,
}

/// What the UI shows about the current session. No token or secret.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SessionInfo {
    pub mode: SessionMode,
    pub simulated: bool,
    pub cloud_name: String,
    pub arm_endpoint: String,
    pub tenant_label: String,
}

pub struct Session {
    pub info: SessionInfo,
    pub arm: ArmClient,
    /// Microsoft Graph, with the same credential (tokens for the cloud's Graph audience).
    pub graph: GraphClient,
}

impl Session {
    pub fn new(
        mode: SessionMode,
        tenant_label: String,
        http: HttpClient,
        cloud: Cloud,
        credential: Credential,
    ) -> Self {
        let info = SessionInfo {
            mode,
            simulated: mode == SessionMode::Demo,
            cloud_name: cloud.name.clone(),
            arm_endpoint: cloud.arm_endpoint.to_string(),
            tenant_label,
        };
        let arm = ArmClient::new(http, cloud, Arc::new(credential));
        let graph = GraphClient::for_arm(&arm);
        Session { info, arm, graph }
    }
}
