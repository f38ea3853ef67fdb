//! A session: one cloud, one credential, and the clients built on them.

use std::sync::Arc;

use futures_util::future::BoxFuture;
use serde::Serialize;
use ts_rs::TS;

use crate::auth::Credential;
use crate::azure::arm::ArmClient;
use crate::azure::graph::GraphClient;
use crate::cloud::Cloud;
use crate::error::IpcError;
use crate::transport::HttpClient;

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
    /// The account this session signs in as (`demo` for the built-in simulator): rotations are
    /// pinned to it.
    pub account_id: String,
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
        let graph = GraphClient::new(arm.pipeline().clone());
        Session {
            info,
            account_id: String::new(),
            arm,
            graph,
        }
    }
}

/// Where a session sends credentials: its account and its cloud's endpoints. A rotation journals
/// the pin it was planned with, and refuses to go on (and send its new secret) with any other.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pin {
    pub account_id: String,
    pub login_endpoint: String,
    pub arm_endpoint: String,
    pub graph_endpoint: String,
}

impl Pin {
    pub fn of(session: &Session) -> Pin {
        let cloud = session.arm.cloud();
        Pin {
            account_id: session.account_id.clone(),
            login_endpoint: cloud.login_endpoint.to_string(),
            arm_endpoint: cloud.arm_endpoint.to_string(),
            graph_endpoint: cloud.graph_endpoint.to_string(),
        }
    }
}

/// Gives the session that works in a tenant (or, with none, the default one). The estate is one;
/// the rotator and the vault's presence check ask through this, so they need not know whether
/// the sessions come from signed-in accounts or the demo.
pub trait TenantSessions: Send + Sync {
    fn session_for_tenant<'a>(
        &'a self,
        tenant: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Arc<Session>, IpcError>>;
}
