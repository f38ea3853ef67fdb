//! The one retry policy of every Azure call (ARM, Resource Graph, Graph, its `$batch` items, and the
//! rotation's steps): what is retried, how long to wait, and which answers fail at once.
//! Modelled on azure_core's `RetryPolicy`: `Retry-After` first (seconds or an HTTP date), Resource
//! Graph's quota headers next, jittered exponential back-off otherwise.

use std::time::Duration;

use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::Method;

/// Tries of one request (the first included) before its last answer is returned as is.
pub const MAX_TRIES: u32 = 7;
/// The longest wait Rekey accepts from Azure (`Retry-After`, a quota reset). A service asking for
/// longer gets its answer back, with the wait it asked for in the error.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(300);
/// The back-off curve without `Retry-After`: 1 s, 2 s, 4 s … at most 30 s, each with jitter.
const BACKOFF_START: Duration = Duration::from_secs(1);
const BACKOFF_MAX: Duration = Duration::from_secs(30);

/// What to do after an answer or a failed send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// Hand the answer (or error) to the caller.
    Return,
    /// Wait this long, then send the request again.
    Retry(Duration),
}

/// Whether sending `method` to `path` twice does no more than sending it once: GET, HEAD, PUT and
/// DELETE by HTTP's rules, and the POSTs that only read (a Resource Graph query, a Graph `$batch`
/// of GETs). An `addPassword` or a reset is never repeated here; the rotation reconciles those.
pub fn idempotent(method: &Method, path: &str) -> bool {
    let path = path.to_ascii_lowercase();
    match *method {
        Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS => true,
        Method::POST => {
            path.ends_with("/providers/microsoft.resourcegraph/resources") || path.ends_with("/$batch")
        }
        _ => false,
    }
}

/// After an answer `status` with `headers` to try `attempt` (1-based) of a request.
pub fn after_answer(idempotent: bool, status: u16, headers: &HeaderMap, attempt: u32) -> Next {
    let retryable = match status {
        // Throttling: the request was not processed, so even a POST may go again.
        429 => true,
        408 | 500 | 502 | 503 | 504 => idempotent,
        _ => false,
    };
    if !retryable || attempt >= MAX_TRIES {
        return Next::Return;
    }
    match asked_wait(headers) {
        Some(wait) if wait > MAX_RETRY_AFTER => Next::Return,
        Some(wait) => Next::Retry(wait),
        None => Next::Retry(backoff(attempt)),
    }
}

/// After a send that failed without an answer (a cut connection, a timeout): only an idempotent
/// request is sent again, since Azure may have done the work.
pub fn after_failure(idempotent: bool, attempt: u32) -> Next {
    if idempotent && attempt < MAX_TRIES {
        Next::Retry(backoff(attempt))
    } else {
        Next::Return
    }
}

/// The wait the answer asks for: `Retry-After`, or (Resource Graph) the quota's reset time when
/// `x-ms-user-quota-remaining` is 0.
pub fn asked_wait(headers: &HeaderMap) -> Option<Duration> {
    retry_after(headers).or_else(|| quota_reset(headers))
}

/// `Retry-After` as delta-seconds (Graph sends fractions such as `2.128`) or an HTTP date.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    parse_retry_after(value, chrono::Utc::now())
}

pub fn parse_retry_after(value: &str, now: chrono::DateTime<chrono::Utc>) -> Option<Duration> {
    if let Ok(seconds) = value.parse::<f64>() {
        return (seconds.is_finite() && seconds >= 0.0)
            .then(|| Duration::from_secs_f64(seconds.min(86_400.0)));
    }
    let date = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    (date.with_timezone(&chrono::Utc) - now)
        .to_std()
        .ok()
        .or(Some(Duration::ZERO))
}

/// Resource Graph's quota: when `x-ms-user-quota-remaining` is 0, how long until
/// `x-ms-user-quota-resets-after` (`hh:mm:ss`) refills it.
pub fn quota_reset(headers: &HeaderMap) -> Option<Duration> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let remaining = header("x-ms-user-quota-remaining")?.trim().parse::<i64>().ok()?;
    if remaining > 0 {
        return None;
    }
    Some(
        header("x-ms-user-quota-resets-after")
            .and_then(parse_hms)
            .unwrap_or(Duration::from_secs(5)),
    )
}

/// `hh:mm:ss` as Resource Graph writes `x-ms-user-quota-resets-after`.
pub fn parse_hms(text: &str) -> Option<Duration> {
    let mut parts = text.trim().split(':').map(|p| p.parse::<f64>().ok());
    let (h, m, s) = (parts.next()??, parts.next()??, parts.next()??);
    let seconds = h * 3600.0 + m * 60.0 + s;
    (parts.next().is_none() && seconds.is_finite() && seconds >= 0.0)
        .then(|| Duration::from_secs_f64(seconds.min(3600.0)))
}

/// The pause before try `attempt + 1` when Azure says nothing: exponential, with jitter between
/// 80 % and 100 % so that many clients throttled together do not return together.
pub fn backoff(attempt: u32) -> Duration {
    let full = BACKOFF_START
        .saturating_mul(1 << attempt.saturating_sub(1).min(5))
        .min(BACKOFF_MAX);
    full.mul_f64(0.8 + 0.2 * jitter())
}

/// A number in [0, 1) from the clock's nanoseconds: enough to spread retries, no RNG dependency.
fn jitter() -> f64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    f64::from(nanos % 1000) / 1000.0
}

/// What a 409 (or a refusal with these codes) means for a caller that might wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Another operation runs on the resource: wait for it, then try again.
    Busy,
    /// A management lock (`ScopeLocked`): waiting never helps; someone must remove the lock.
    Locked,
    /// Azure Policy denied the request (`RequestDisallowedByPolicy`): ask the policy's owner.
    Policy,
    /// Anything else: Azure's words, no retry.
    Other,
}

/// Classifies a refusal by Azure's error code (and message, for RPs that put the reason there).
pub fn refusal(code: &str, message: &str) -> Refusal {
    let code = code.to_ascii_lowercase();
    let text = message.to_ascii_lowercase();
    if code == "scopelocked" || text.contains("scope is locked") {
        Refusal::Locked
    } else if code == "requestdisallowedbypolicy" {
        Refusal::Policy
    } else if code == "operationnotallowed"
        || code == "anotheroperationinprogress"
        || code == "conflict"
        || code == "retryableerrorduetoanotheroperation"
        || text.contains("another operation")
        || text.contains("in progress operation")
        || text.contains("operation is in progress")
    {
        Refusal::Busy
    } else {
        Refusal::Other
    }
}

/// What to do about a lock or a policy denial (said before Azure's own words).
pub fn advice(refusal: Refusal) -> Option<&'static str> {
    match refusal {
        Refusal::Locked => Some(
            "A management lock on the resource, its resource group or its subscription forbids this \
             change. Remove the lock (or ask its owner to), then run the rotation again; Rekey does \
             not retry a locked resource.",
        ),
        Refusal::Policy => Some(
            "An Azure Policy assignment denies this request. Ask the policy's owner for an exemption \
             or a change, then run the rotation again; Rekey does not retry a policy denial.",
        ),
        Refusal::Busy | Refusal::Other => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(
                *k,
                HeaderValue::from_str(v).unwrap_or(HeaderValue::from_static("")),
            );
        }
        h
    }

    #[test]
    fn retry_after_reads_seconds_fractions_and_dates() {
        let now = chrono::Utc::now();
        assert_eq!(parse_retry_after("3", now), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after("2.5", now), Some(Duration::from_millis(2500)));
        assert_eq!(parse_retry_after("-1", now), None);
        assert_eq!(parse_retry_after("soon", now), None);
        let later = (now + chrono::Duration::seconds(30)).to_rfc2822();
        let wait = parse_retry_after(&later, now).unwrap_or_default();
        assert!((29..=30).contains(&wait.as_secs()), "{wait:?}");
        assert_eq!(
            parse_retry_after("Mon, 01 Jan 2001 00:00:00 GMT", now),
            Some(Duration::ZERO)
        );
    }

    #[test]
    fn reads_quota_reset_times() {
        assert_eq!(parse_hms("00:00:05"), Some(Duration::from_secs(5)));
        assert_eq!(parse_hms("00:01:02"), Some(Duration::from_secs(62)));
        assert_eq!(parse_hms("05:00:00"), Some(Duration::from_secs(3600)));
        assert_eq!(parse_hms("5"), None);
        assert_eq!(parse_hms("00:00:xx"), None);
        assert_eq!(parse_hms("00:00:01:00"), None);
        let spent = headers(&[
            ("x-ms-user-quota-remaining", "0"),
            ("x-ms-user-quota-resets-after", "00:00:07"),
        ]);
        assert_eq!(asked_wait(&spent), Some(Duration::from_secs(7)));
        let left = headers(&[
            ("x-ms-user-quota-remaining", "3"),
            ("x-ms-user-quota-resets-after", "00:00:07"),
        ]);
        assert_eq!(asked_wait(&left), None);
    }

    #[test]
    fn long_waits_are_honoured_up_to_the_cap() {
        let long = headers(&[("retry-after", "120")]);
        assert_eq!(
            after_answer(false, 429, &long, 1),
            Next::Retry(Duration::from_secs(120))
        );
        let too_long = headers(&[("retry-after", "3600")]);
        assert_eq!(after_answer(true, 429, &too_long, 1), Next::Return);
        assert_eq!(after_answer(true, 429, &long, MAX_TRIES), Next::Return);
    }

    #[test]
    fn server_errors_are_retried_only_when_repeating_is_harmless() {
        let none = HeaderMap::new();
        assert!(matches!(after_answer(true, 500, &none, 1), Next::Retry(_)));
        assert_eq!(after_answer(false, 500, &none, 1), Next::Return);
        assert_eq!(after_answer(true, 404, &none, 1), Next::Return);
        assert_eq!(after_answer(true, 409, &none, 1), Next::Return);
        assert!(matches!(after_failure(true, 1), Next::Retry(_)));
        assert_eq!(after_failure(false, 1), Next::Return);
        assert!(idempotent(&Method::GET, "/subscriptions"));
        assert!(idempotent(
            &Method::POST,
            "/providers/Microsoft.ResourceGraph/resources"
        ));
        assert!(idempotent(&Method::POST, "/v1.0/$batch"));
        assert!(!idempotent(&Method::POST, "/v1.0/applications/x/addPassword"));
    }

    #[test]
    fn backoff_grows_with_jitter_and_stays_capped() {
        for attempt in 1..20 {
            let full = BACKOFF_START
                .saturating_mul(1 << (attempt - 1).min(5))
                .min(BACKOFF_MAX);
            let wait = backoff(attempt);
            assert!(wait <= full && wait >= full.mul_f64(0.8), "{attempt}: {wait:?}");
        }
    }

    #[test]
    fn refusals_are_classified_by_code() {
        assert_eq!(
            refusal("ScopeLocked", "The scope … cannot perform write operation"),
            Refusal::Locked
        );
        assert_eq!(refusal("RequestDisallowedByPolicy", "denied"), Refusal::Policy);
        assert_eq!(
            refusal(
                "OperationNotAllowed",
                "Operation is not allowed because there's an in progress operation"
            ),
            Refusal::Busy
        );
        assert_eq!(
            refusal("Http409", "another operation is in progress"),
            Refusal::Busy
        );
        assert_eq!(refusal("RoleAssignmentExists", "exists"), Refusal::Other);
        assert!(advice(Refusal::Locked).is_some_and(|a| a.contains("Remove the lock")));
    }
}
