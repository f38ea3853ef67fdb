//! The error of every authorized Azure call (ARM, Resource Graph, Graph, the pipeline): the
//! credential could not get a token, or Azure (or the way to it) failed.

use crate::auth::AuthError;
pub use crate::transport::error::{scrub, AzureError, MAX_OUTSIDE_TEXT};

#[derive(Debug, thiserror::Error)]
pub enum CallError {
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error(transparent)]
    Azure(#[from] AzureError),
}

impl CallError {
    pub fn code(&self) -> String {
        match self {
            CallError::Auth(e) => e.code(),
            CallError::Azure(e) => e.code(),
        }
    }
}

/// Sign-in failures in plain words (AADSTS codes explained), Azure's own words otherwise.
impl From<&CallError> for crate::error::IpcError {
    fn from(e: &CallError) -> Self {
        match e {
            CallError::Auth(a) => crate::auth::explain::explain(a),
            CallError::Azure(a) => a.into(),
        }
    }
}
