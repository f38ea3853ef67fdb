//! Exports of the cluster table: CSV (RFC 4180, the table's columns) and JSON (the whole inventory).
//! Metadata only, like the inventory itself.

use super::{ClusterRow, Inventory};

/// The CSV columns, in the table's order.
pub const CSV_HEADER: [&str; 11] = [
    "cluster",
    "tenant",
    "subscription",
    "resource group",
    "identity",
    "SP display name",
    "app ID",
    "expires",
    "days left",
    "status",
    "assumed",
];

/// The cluster table as CSV: a header row, then one row per cluster; CRLF line ends.
pub fn to_csv(inventory: &Inventory) -> String {
    let mut out = String::new();
    push_record(&mut out, CSV_HEADER.iter().map(|h| h.to_string()));
    for row in &inventory.clusters {
        push_record(&mut out, csv_fields(row).into_iter());
    }
    out
}

/// The whole inventory (rows with every credential's metadata, warnings, stats) as JSON.
pub fn to_json(inventory: &Inventory) -> Result<String, serde_json::Error> {
    serde_json::to_string_pretty(inventory)
}

/// A serde value's name (`servicePrincipal`, `critical`…): the same words the JSON export uses.
fn wire_name<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

fn csv_fields(row: &ClusterRow) -> [String; 11] {
    let text = |s: &str| guard_formula(s);
    [
        text(&row.name),
        text(row.tenant_id.as_deref().unwrap_or_default()),
        text(&row.subscription_name),
        text(&row.resource_group),
        wire_name(&row.identity_kind),
        text(row.sp_display_name.as_deref().unwrap_or_default()),
        text(row.sp_client_id.as_deref().unwrap_or_default()),
        row.expiry
            .expires_at
            .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            .unwrap_or_default(),
        row.expiry.days_left.map(|d| d.to_string()).unwrap_or_default(),
        wire_name(&row.expiry.bucket),
        row.expiry.assumed.to_string(),
    ]
}

/// A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` as a formula: text that does
/// (a display name anyone with app rights can set) gets a leading `'`, as OWASP advises.
pub(crate) fn guard_formula(s: &str) -> String {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{s}"),
        _ => s.to_string(),
    }
}

/// One record: fields with a comma, quote or line break are quoted, quotes doubled (RFC 4180).
pub(crate) fn push_record(out: &mut String, fields: impl Iterator<Item = String>) {
    for (i, field) in fields.enumerate() {
        if i > 0 {
            out.push(',');
        }
        if field.contains([',', '"', '\r', '\n']) {
            out.push('"');
            out.push_str(&field.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(&field);
        }
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_what_needs_quoting_and_defuses_formulas() {
        let mut out = String::new();
        push_record(
            &mut out,
            ["plain", "a,b", "say \"hi\"", "two\nlines"]
                .iter()
                .map(|s| s.to_string()),
        );
        assert_eq!(out, "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\"\r\n");
        assert_eq!(guard_formula("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(guard_formula("aks-web"), "aks-web");
    }

    #[test]
    fn an_empty_inventory_is_just_the_header() {
        let csv = to_csv(&Inventory::default());
        assert_eq!(
            csv,
            "cluster,tenant,subscription,resource group,identity,SP display name,app ID,expires,days left,status,assumed\r\n"
        );
    }
}
