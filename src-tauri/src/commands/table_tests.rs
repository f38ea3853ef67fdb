//! The command table (`table.rs`) against the functions it names, the window's capability and the
//! TypeScript map it writes (`ui/src/lib/bindings/Commands.ts`, checked in CI like ts-rs's files).

use std::collections::BTreeSet;
use std::path::PathBuf;

use rekey_core::accounts::{AccountInfo, Selection};
use rekey_core::alerts::{AlertStatus, AppEvent};
use rekey_core::audit::AuditRecord;
use rekey_core::auth::DeviceCodePrompt;
use rekey_core::cloud::CloudSetting;
use rekey_core::estate::key_vaults::KeyVaults;
use rekey_core::inventory::Inventory;
use rekey_core::migration::engine::MoveProgress;
use rekey_core::migration::{MoveResult, MoveSummary, ResumedMoves, StoredMigration};
use rekey_core::rotation::engine::HoldAnswer;
use rekey_core::rotation::key_vault::KeyVaultChoice;
use rekey_core::rotation::model::Resumed;
use rekey_core::rotation::rules::StoredPlan;
use rekey_core::rotation::{GroupResult, Mode, Retire, RotationSummary};
use rekey_core::settings::{Settings, SettingsSaved};
use rekey_core::updates::UpdateCheck;
use rekey_core::vault::{VaultRow, VaultStatus};
use rekey_core::workspace::{AuthStatus, SubscriptionInfo, TenantInfo};
use rekey_core::{inventory, rotation};
use ts_rs::{Config, TS};

/// One argument as Rust and TypeScript write it.
struct Arg {
    name: &'static str,
    rust: &'static str,
    ts: String,
}

/// One row of the table.
struct Command {
    module: &'static str,
    name: &'static str,
    args: Vec<Arg>,
    result_rust: &'static str,
    result_ts: String,
}

/// The TypeScript type of a Rust type: its ts-rs binding, or the table's `as "…"`.
macro_rules! ts_name {
    ($ty:ty, $ts:literal) => {
        String::from($ts)
    };
    ($ty:ty) => {
        <$ty as TS>::name(&Config::from_env())
    };
}

macro_rules! describe {
    ($( $module:ident :: $name:ident ( $($arg:ident : $ty:ty $(as $ts:literal)?),* $(; $channel:ident : $message:ty)? ) -> $result:ty $(as $result_ts:literal)?; )*) => {
        vec![$(Command {
            module: stringify!($module),
            name: stringify!($name),
            args: {
                #[allow(unused_mut)]
                let mut args = vec![$(Arg { name: stringify!($arg), rust: stringify!($ty), ts: ts_name!($ty $(, $ts)?) }),*];
                $(args.push(Arg {
                    name: stringify!($channel),
                    rust: concat!("Channel<", stringify!($message), ">"),
                    ts: format!("Channel<{}>", ts_name!($message)),
                });)?
                args
            },
            result_rust: stringify!($result),
            result_ts: match stringify!($result) {
                "()" => String::from("void"),
                _ => ts_name!($result $(, $result_ts)?),
            },
        }),*]
    };
}

fn table() -> Vec<Command> {
    with_commands!(describe)
}

/// `on_progress` → `onProgress`, as Tauri names arguments on the wire.
fn camel(name: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in name.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// A Rust type as compared with the source: no spaces, no module paths.
fn plain(ty: &str) -> String {
    let squeezed: String = ty.chars().filter(|c| !c.is_whitespace()).collect();
    let mut out = String::new();
    for part in squeezed.split_inclusive(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':')) {
        let (word, rest) = part.split_at(
            part.len()
                - part.chars().last().map_or(0, |c| {
                    if c.is_alphanumeric() || c == '_' || c == ':' {
                        0
                    } else {
                        c.len_utf8()
                    }
                }),
        );
        out.push_str(word.rsplit("::").next().unwrap_or(word));
        out.push_str(rest);
    }
    out
}

/// The window-facing parameters of `pub async fn name(…)` in `src/commands/<module>.rs`
/// (Tauri's injected `State`, `AppHandle` and window parameters left out), and its result.
fn signature(module: &str, name: &str) -> (Vec<(String, String)>, String) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("src/commands/{module}.rs"));
    let source = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let start = source
        .find(&format!("#[tauri::command]\npub async fn {name}("))
        .unwrap_or_else(|| panic!("no #[tauri::command] pub async fn {name} in {module}.rs"));
    let text: String = source[start..].chars().filter(|c| !c.is_whitespace()).collect();
    let open = text.find('(').unwrap_or(0) + 1;
    let (mut depth, mut close) = (0i32, open);
    for (i, c) in text[open..].char_indices() {
        match c {
            '(' | '<' => depth += 1,
            ')' if depth == 0 => {
                close = open + i;
                break;
            }
            ')' | '>' => depth -= 1,
            _ => {}
        }
    }
    let mut params = Vec::new();
    let (mut depth, mut from) = (0i32, open);
    for (i, c) in text[open..=close].char_indices() {
        match c {
            '<' => depth += 1,
            '>' => depth -= 1,
            ',' | ')' if depth == 0 => {
                let param = &text[from..open + i];
                from = open + i + 1;
                if let Some((arg, ty)) = param.split_once(':') {
                    let injected = ["State<", "AppHandle", "Window", "WebviewWindow"];
                    if !injected.iter().any(|t| ty.starts_with(t)) {
                        params.push((arg.to_string(), plain(ty)));
                    }
                }
            }
            _ => {}
        }
    }
    let result = text[close..]
        .strip_prefix(")->Result<")
        .and_then(|r| r.split_once(",IpcError>{"))
        .map(|(r, _)| plain(r))
        .unwrap_or_else(|| panic!("{name}: not `-> Result<_, IpcError>`"));
    (params, result)
}

#[test]
fn the_table_matches_each_functions_signature() {
    for command in table() {
        let (params, result) = signature(command.module, command.name);
        let declared: Vec<(String, String)> = command
            .args
            .iter()
            .map(|a| (a.name.to_string(), plain(a.rust)))
            .collect();
        assert_eq!(
            params, declared,
            "{}: the table's arguments differ from the function's",
            command.name
        );
        assert_eq!(
            result,
            plain(command.result_rust),
            "{}: the table's result differs",
            command.name
        );
    }
}

#[test]
fn the_capability_allows_exactly_the_tables_commands() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("capabilities/main.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let capability: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("main.json: {e}"));
    let allowed: Vec<String> = capability["permissions"]
        .as_array()
        .map(|p| p.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    let expected: Vec<String> = table()
        .iter()
        .map(|c| format!("allow-{}", c.name.replace('_', "-")))
        .collect();
    assert_eq!(
        allowed, expected,
        "capabilities/main.json must allow the table's commands, in its order"
    );
}

/// The generated file: `Commands[name] = { args, result }` for every command of the table.
fn commands_ts(commands: &[Command]) -> String {
    const NOT_BINDINGS: [&str; 4] = ["Array", "Channel", "Draft", "Record"];
    let mut types = BTreeSet::new();
    for command in commands {
        for ts in command
            .args
            .iter()
            .map(|a| a.ts.as_str())
            .chain([command.result_ts.as_str()])
        {
            for word in ts.split(|c: char| !c.is_alphanumeric()) {
                if word.starts_with(|c: char| c.is_ascii_uppercase()) && !NOT_BINDINGS.contains(&word) {
                    types.insert(word.to_string());
                }
            }
        }
    }
    let mut out = String::from(
        "// Generated from src-tauri/src/commands/table.rs by `cargo test -p rekey-app table`. Do not edit this file manually.\n",
    );
    out.push_str("import type { Channel } from \"@tauri-apps/api/core\";\n");
    for ty in &types {
        out.push_str(&format!("import type {{ {ty} }} from \"./{ty}\";\n"));
    }
    out.push_str(concat!(
        "\n/** A form's values: a number that was not typed as one goes as null, for Rust to name. */\n",
        "export type Draft<T> = T extends number\n",
        "  ? number | null\n",
        "  : T extends (infer U)[]\n",
        "    ? Draft<U>[]\n",
        "    : T extends object\n",
        "      ? { [K in keyof T]: Draft<T[K]> }\n",
        "      : T;\n",
        "\n/** Every command the window may call: its arguments (as sent) and its result. */\n",
        "export type Commands = {\n",
    ));
    for command in commands {
        let args: Vec<String> = command
            .args
            .iter()
            .map(|a| format!("{}: {}", camel(a.name), a.ts))
            .collect();
        out.push_str(&format!(
            "  {}: {{ args: {{ {} }}; result: {} }};\n",
            command.name,
            args.join(", "),
            command.result_ts
        ));
    }
    out.push_str("};\n");
    out.replace("{  }", "{}")
}

#[test]
fn export_commands_ts() {
    let dir = std::env::var_os("TS_RS_EXPORT_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ui/src/lib/bindings"));
    let commands = table();
    let text = commands_ts(&commands);
    for line in text.lines().filter(|l| l.contains("from \"./")) {
        let ty = line
            .split("from \"./")
            .nth(1)
            .unwrap_or("")
            .trim_end_matches("\";");
        assert!(
            dir.join(format!("{ty}.ts")).exists(),
            "{ty}: no ts-rs binding in {}",
            dir.display()
        );
    }
    let names: BTreeSet<&str> = commands.iter().map(|c| c.name).collect();
    assert_eq!(names.len(), commands.len(), "a command is listed twice");
    std::fs::write(dir.join("Commands.ts"), text).unwrap_or_else(|e| panic!("Commands.ts: {e}"));
}
