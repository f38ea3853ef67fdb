//! Reading Azure's JSON as leniently as Azure writes it: numbers sent as strings (`"3"`), timestamps
//! without an offset (UTC, as Graph's `Edm.DateTimeOffset` means), explicit `null` for optional or
//! list fields. One set of serde helpers, used by every parser (`#[serde(deserialize_with = …)]`);
//! the byte-order mark is stripped once in `http::decode_json`.

use std::str::FromStr;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::de::{self, DeserializeOwned, Deserializer};
use serde::Deserialize;
use serde_json::Value;

/// A number, or a string holding one, or `null`/absent (with `#[serde(default)]`): `Option<T>`.
pub fn number<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr + DeserializeOwned,
{
    match Value::deserialize(deserializer)? {
        Value::Null => Ok(None),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        Value::String(s) => s
            .trim()
            .parse::<T>()
            .map(Some)
            .map_err(|_| de::Error::custom(format!("'{s}' is not a number"))),
        other => T::deserialize(other).map(Some).map_err(de::Error::custom),
    }
}

/// [`number`] for a field that must be present: a missing or `null` value is an error.
pub fn required_number<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr + DeserializeOwned,
{
    number(deserializer)?.ok_or_else(|| de::Error::custom("a number is required"))
}

/// A timestamp: RFC 3339, or without an offset (then UTC); `null`, empty or absent is `None`. A
/// value that is no date at all is `None` too (a credential with a garbled date is shown as
/// unknown, not a refusal of the whole answer).
pub fn date<'de, D>(deserializer: D) -> Result<Option<DateTime<Utc>>, D::Error>
where
    D: Deserializer<'de>,
{
    Ok(match Value::deserialize(deserializer)? {
        Value::String(s) => parse_date(&s),
        _ => None,
    })
}

/// `T`, with an explicit `null` read as `T::default()` (an empty list, an empty string).
pub fn or_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// An `Edm.DateTimeOffset` or ARM timestamp; without an offset it is UTC.
pub fn parse_date(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    DateTime::parse_from_rfc3339(text)
        .map(|d| d.with_timezone(&Utc))
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f").map(|d| d.and_utc()))
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f").map(|d| d.and_utc()))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize, Debug, PartialEq)]
    struct Sample {
        #[serde(default, deserialize_with = "number")]
        count: Option<u32>,
        #[serde(default, deserialize_with = "date")]
        end: Option<DateTime<Utc>>,
        #[serde(default, deserialize_with = "or_default")]
        items: Vec<String>,
    }

    #[test]
    fn each_variant_azure_sends_reads_the_same() {
        let counts = ["3", "\"3\"", "\" 3 \""];
        let dates = [
            "\"2026-12-07T10:00:00Z\"",
            "\"2026-12-07T10:00:00\"",
            "\"2026-12-07T10:00:00.0000000\"",
            "\"2026-12-07T11:00:00+01:00\"",
        ];
        let lists = ["[\"a\"]"];
        let want = parse_date("2026-12-07T10:00:00Z");
        assert!(want.is_some());
        for c in counts {
            for d in dates {
                for l in lists {
                    let text = format!(r#"{{"count": {c}, "end": {d}, "items": {l}}}"#);
                    let read: Sample = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
                    assert_eq!(read.count, Some(3), "{text}");
                    assert_eq!(read.end, want, "{text}");
                    assert_eq!(read.items, vec!["a"], "{text}");
                }
            }
        }
        for absent in [
            r#"{}"#,
            r#"{"count": null, "end": null, "items": null}"#,
            r#"{"count": "", "end": ""}"#,
        ] {
            let read: Sample = serde_json::from_str(absent).unwrap_or_else(|e| panic!("{absent}: {e}"));
            assert_eq!(
                read,
                Sample {
                    count: None,
                    end: None,
                    items: Vec::new()
                }
            );
        }
        assert!(serde_json::from_str::<Sample>(r#"{"count": "three"}"#).is_err());
    }

    /// Each real parser fed every variant: counts as numbers or strings, dates with or without an
    /// offset, `null` for optional objects and lists, and a byte-order mark before the JSON.
    #[test]
    fn the_real_parsers_accept_every_variant() {
        use crate::azure::directory::DirectoryObject;
        use crate::azure::models::{ManagedCluster, Page};
        for count in ["2", "\"2\""] {
            for pools in [
                format!(r#"[{{"name":"sys","count":{count}}}]"#),
                "null".to_string(),
            ] {
                for bom in [&b""[..], &b"\xEF\xBB\xBF"[..]] {
                    let text = format!(
                        r#"{{"value":[{{"id":"/subscriptions/s/resourceGroups/r/providers/Microsoft.ContainerService/managedClusters/c","name":"c","location":null,"properties":{{"agentPoolProfiles":{pools},"aadProfile":null}}}}],"nextLink":null}}"#
                    );
                    let body = [bom, text.as_bytes()].concat();
                    let page: Page<ManagedCluster> = crate::transport::decode_json("/x", 200, None, &body)
                        .unwrap_or_else(|e| panic!("{text}: {e}"));
                    let pools = &page.value[0].properties.agent_pool_profiles;
                    assert!(pools.is_empty() || pools[0].count == Some(2), "{text}");
                }
            }
        }
        let want = parse_date("2027-01-01T00:00:00Z");
        for end in [
            "2027-01-01T00:00:00Z",
            "2027-01-01T00:00:00",
            "2027-01-01T00:00:00.0000000",
        ] {
            for start in ["null", "\"\"", "\"2026-01-01T00:00:00\""] {
                let text = format!(
                    r#"{{"id":"o","appId":null,"passwordCredentials":[{{"keyId":"k","endDateTime":"{end}","startDateTime":{start}}}]}}"#
                );
                let object: DirectoryObject =
                    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
                assert_eq!(object.password_credentials[0].end_date_time, want, "{text}");
            }
        }
        let none: DirectoryObject = serde_json::from_str(r#"{"id":"o","passwordCredentials":null}"#)
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(none.password_credentials.is_empty());
    }
}
