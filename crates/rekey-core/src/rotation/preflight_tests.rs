//! Pre-flight's wording of Graph failures.

use super::*;
use crate::azure::AzureError;

#[test]
fn only_a_refusal_is_called_a_permissions_problem() {
    let refused = CallError::Azure(AzureError::Api {
        status: 403,
        code: "Authorization_RequestDenied".into(),
        message: "Insufficient privileges".into(),
        request_id: None,
    });
    assert!(directory_problem("a", &refused).contains("Application.ReadWrite.All"));
    let garbled = CallError::Azure(AzureError::Malformed {
        what: "response".into(),
        detail: "expected a number".into(),
    });
    let said = directory_problem("a", &garbled);
    assert!(!said.contains("Application.ReadWrite.All") && said.contains("not a permissions problem"));
    let down = CallError::Azure(AzureError::Api {
        status: 503,
        code: "ServiceUnavailable".into(),
        message: "busy".into(),
        request_id: None,
    });
    assert!(!directory_problem("a", &down).contains("Application.ReadWrite.All"));
}
