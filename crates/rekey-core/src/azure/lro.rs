//! ARM's long-running operations (credential resets, a managed cluster's PUT, a node pool's image
//! upgrade): the request that starts one, and following its
//! `Azure-AsyncOperation` (preferred) or `Location` URL to the end. The URLs are plain strings so the
//! rotation journal can keep them and a restart resumes polling instead of resetting again.

use std::time::Duration;

use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::arm::{checked_next_link, ArmClient, ClusterId, AKS_API};
use super::error::CallError;
use super::retry::{self, retry_after};
use crate::transport::error::api_error;
use crate::transport::{read_body, request_id, AzureError};

/// Where to follow an operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OperationHandle {
    pub async_operation: Option<String>,
    pub location: Option<String>,
}

/// What the starting POST said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Started {
    /// Finished at once (200 or 204).
    Done,
    Running {
        handle: OperationHandle,
        retry_after: Option<Duration>,
    },
}

/// Where an operation is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OperationState {
    Running {
        retry_after: Option<Duration>,
    },
    Succeeded,
    /// Ended `Failed` or `Canceled`, with Azure's code and message.
    Failed {
        code: String,
        message: String,
    },
}

/// How a followed operation ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OperationEnd {
    Succeeded,
    /// Ended `Failed` or `Canceled`, with Azure's code and message.
    Failed {
        code: String,
        message: String,
    },
}

/// The legacy AAD integration's profile, with the server app's new secret.
pub struct AadReset<'a> {
    pub client_app_id: &'a str,
    pub server_app_id: &'a str,
    pub server_app_secret: &'a SecretString,
    pub tenant_id: Option<&'a str>,
}

#[derive(Deserialize)]
struct OperationStatus {
    #[serde(default)]
    status: String,
    #[serde(default)]
    error: Option<OperationError>,
}

#[derive(Deserialize, Default)]
struct OperationError {
    #[serde(default)]
    code: String,
    #[serde(default)]
    message: String,
    /// ARM's `ErrorDetail.details`: AKS puts the cause there (`ResourceOperationFailure` around
    /// `LinkedAuthorizationFailed`, for example).
    #[serde(default, deserialize_with = "crate::transport::lenient::or_default")]
    details: Vec<OperationError>,
}

impl OperationError {
    /// The innermost first detail (at most a few levels down): the failure's own cause.
    fn cause(&self) -> &OperationError {
        let mut at = self;
        for _ in 0..8 {
            match at.details.first() {
                Some(inner) if !inner.code.is_empty() => at = inner,
                _ => break,
            }
        }
        at
    }
}

/// An `Azure-AsyncOperation` status answer (`{"status": …, "error"?: {…}}`) as an [`OperationState`];
/// `wait` is the answer's `Retry-After`. Separate from the request so that it can be fuzzed.
pub(crate) fn operation_state(
    path: &str,
    status: u16,
    body: &[u8],
    wait: Option<Duration>,
) -> Result<OperationState, AzureError> {
    let status: OperationStatus = crate::transport::decode_json(path, status, None, body)?;
    Ok(match status.status.to_ascii_lowercase().as_str() {
        "succeeded" => OperationState::Succeeded,
        "failed" | "canceled" | "cancelled" => {
            let error = status.error.unwrap_or(OperationError {
                code: status.status.clone(),
                ..OperationError::default()
            });
            // The code is the cause's (decisions read it); the words keep both.
            let cause = error.cause();
            let mut message = if error.message.is_empty() {
                format!("the operation ended {}", status.status)
            } else {
                error.message.clone()
            };
            if !std::ptr::eq(cause, &error) {
                message = format!("{message} ({}: {})", cause.code, cause.message);
            }
            OperationState::Failed {
                code: super::error::scrub(if cause.code.is_empty() {
                    &error.code
                } else {
                    &cause.code
                }),
                message: super::error::scrub(&message),
            }
        }
        _ => OperationState::Running { retry_after: wait },
    })
}

impl ArmClient {
    /// `resetServicePrincipalProfile`: gives the cluster `client_id` and `secret`.
    pub async fn reset_service_principal_profile(
        &self,
        cluster: &ClusterId,
        client_id: &str,
        secret: &SecretString,
    ) -> Result<Started, CallError> {
        let body = Zeroizing::new(
            serde_json::json!({ "clientId": client_id, "secret": secret.expose_secret() }).to_string(),
        );
        self.start(cluster, "resetServicePrincipalProfile", body.as_bytes())
            .await
    }

    /// `resetAADProfile` (legacy AAD integration): the unchanged apps and tenant, the new server secret.
    pub async fn reset_aad_profile(
        &self,
        cluster: &ClusterId,
        aad: &AadReset<'_>,
    ) -> Result<Started, CallError> {
        let body = Zeroizing::new(
            serde_json::json!({
                "clientAppID": aad.client_app_id,
                "serverAppID": aad.server_app_id,
                "serverAppSecret": aad.server_app_secret.expose_secret(),
                "tenantID": aad.tenant_id,
            })
            .to_string(),
        );
        self.start(cluster, "resetAADProfile", body.as_bytes()).await
    }

    async fn start(&self, cluster: &ClusterId, action: &str, body: &[u8]) -> Result<Started, CallError> {
        let url = self.url(&format!("{}/{action}", cluster.path()), AKS_API)?;
        self.start_operation(Method::POST, &url, Some(body), action).await
    }

    /// Sends the request that starts an operation (`what` names it in errors). A POST or DELETE
    /// answered 200/204 finished; 201/202 runs, to be followed by its `Azure-AsyncOperation` or
    /// `Location`. A PUT runs while its answer (200 or 201) carries `Azure-AsyncOperation`, as
    /// ARM's resource provider contract has it ("Asynchronous operations", PUT: 201/200 with
    /// Azure-AsyncOperation; the Azure CLI's `ARMPolling` follows it the same way).
    pub(crate) async fn start_operation(
        &self,
        method: Method,
        url: &url::Url,
        body: Option<&[u8]>,
        what: &str,
    ) -> Result<Started, CallError> {
        let response = self.send(method.clone(), url, body).await?;
        let status = response.status();
        let headers = response.headers().clone();
        let request_id = request_id(&headers);
        let bytes = read_body(url, response).await?;
        if !status.is_success() {
            return Err(api_error(status.as_u16(), request_id, &bytes).into());
        }
        let handle = self.handle_from(&headers)?;
        let put = method == Method::PUT;
        let finished = match status {
            StatusCode::OK | StatusCode::NO_CONTENT => !put || handle.async_operation.is_none(),
            StatusCode::CREATED => put && handle.async_operation.is_none(),
            _ => false,
        };
        if finished {
            return Ok(Started::Done);
        }
        if handle.async_operation.is_none() && handle.location.is_none() {
            return Err(AzureError::Malformed {
                what: format!("answer to {what}"),
                detail: format!("{status} without an Azure-AsyncOperation or Location header"),
            }
            .into());
        }
        Ok(Started::Running {
            handle,
            retry_after: retry_after(&headers),
        })
    }

    /// Asks once where the operation is.
    pub async fn poll_operation(&self, handle: &OperationHandle) -> Result<OperationState, CallError> {
        if let Some(link) = &handle.async_operation {
            let url = checked_next_link(&self.cloud().arm_endpoint, link)?;
            let response = self.send(Method::GET, &url, None).await?;
            let wait = retry_after(response.headers());
            let status = response.status().as_u16();
            let bytes = read_body(&url, response).await?;
            return Ok(operation_state(url.path(), status, &bytes, wait)?);
        }
        let Some(link) = &handle.location else {
            return Err(AzureError::Malformed {
                what: "operation".into(),
                detail: "no URL to follow".into(),
            }
            .into());
        };
        let url = checked_next_link(&self.cloud().arm_endpoint, link)?;
        let response = self.send(Method::GET, &url, None).await?;
        let status = response.status();
        let headers = response.headers().clone();
        match status {
            StatusCode::ACCEPTED => Ok(OperationState::Running {
                retry_after: retry_after(&headers),
            }),
            StatusCode::OK | StatusCode::NO_CONTENT => Ok(OperationState::Succeeded),
            _ => {
                let bytes = read_body(&url, response).await?;
                match api_error(status.as_u16(), request_id(&headers), &bytes) {
                    // The operation's own failure, as opposed to a failure to ask about it.
                    AzureError::Api {
                        status,
                        code,
                        message,
                        ..
                    } if status < 500 && status != 429 => Ok(OperationState::Failed { code, message }),
                    other => Err(other.into()),
                }
            }
        }
    }

    /// Follows the operation to its end (the one polling loop): first waits `first` (the starting
    /// 202's `Retry-After`), then asks, waiting between asks as each answer's `Retry-After` says
    /// (honoured up to [`retry::MAX_RETRY_AFTER`], not cut short) or `quiet` when Azure says
    /// nothing. A failed ask was already retried by the HTTP layer and ends the wait.
    /// `on_running` hears each "still running".
    pub async fn wait_operation(
        &self,
        handle: &OperationHandle,
        first: Option<Duration>,
        quiet: Duration,
        mut on_running: impl FnMut(),
    ) -> Result<OperationEnd, CallError> {
        if let Some(wait) = first {
            tokio::time::sleep(wait.min(retry::MAX_RETRY_AFTER)).await;
        }
        loop {
            match self.poll_operation(handle).await? {
                OperationState::Succeeded => return Ok(OperationEnd::Succeeded),
                OperationState::Failed { code, message } => {
                    return Ok(OperationEnd::Failed { code, message })
                }
                OperationState::Running { retry_after } => {
                    on_running();
                    let wait = retry_after.map_or(quiet, |w| {
                        w.clamp(Duration::from_millis(200), retry::MAX_RETRY_AFTER)
                    });
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    fn handle_from(&self, headers: &HeaderMap) -> Result<OperationHandle, AzureError> {
        let header = |name: &str| -> Result<Option<String>, AzureError> {
            match headers.get(name).and_then(|v| v.to_str().ok()) {
                None => Ok(None),
                // Tokens go only to this cloud's ARM host, whatever a header says.
                Some(link) => {
                    checked_next_link(&self.cloud().arm_endpoint, link).map(|u| Some(u.to_string()))
                }
            }
        };
        Ok(OperationHandle {
            async_operation: header("azure-asyncoperation")?,
            location: header("location")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{operation_state, OperationState};

    #[test]
    fn a_failed_operation_is_coded_by_its_cause_and_says_both() {
        let body = br#"{"status":"Failed","error":{"code":"ResourceOperationFailure","message":"The resource operation completed with terminal provisioning state 'Failed'.","details":[{"code":"LinkedAuthorizationFailed","message":"The client has permission to perform action A on scope S; however, it does not have permission to perform action(s) 'Microsoft.Network/virtualNetworks/subnets/join/action'."}]}}"#;
        let Ok(OperationState::Failed { code, message }) = operation_state("/operations/x", 200, body, None)
        else {
            panic!("not failed")
        };
        assert_eq!(code, "LinkedAuthorizationFailed");
        assert!(
            message.starts_with("The resource operation completed"),
            "{message}"
        );
        assert!(message.contains("subnets/join/action"), "{message}");
        let plain = br#"{"status":"Failed","error":{"code":"Conflict","message":"busy"}}"#;
        let Ok(OperationState::Failed { code, message }) = operation_state("/operations/x", 200, plain, None)
        else {
            panic!("not failed")
        };
        assert_eq!((code.as_str(), message.as_str()), ("Conflict", "busy"));
    }
}
