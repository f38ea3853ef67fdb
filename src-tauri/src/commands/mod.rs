//! Tauri commands, one file per area; each is a thin bridge to `rekey-core`. The list of them is
//! `table.rs` (`with_commands!`): the handler registration below, build.rs's permissions and the
//! TypeScript map come from it.

#[macro_use]
mod table;

pub mod alerts;
pub mod auth;
pub mod inventory;
pub mod key_vault;
pub mod migration;
pub mod rotation;
mod running;
pub mod settings;
pub mod updates;
pub mod vault;

#[cfg(test)]
mod table_tests;

/// `tauri::generate_handler!` over every command of the table.
macro_rules! handlers {
    ($( $module:ident :: $name:ident ( $($arg:ident : $ty:ty $(as $ts:literal)?),* $(; $channel:ident : $message:ty)? ) -> $result:ty $(as $result_ts:literal)?; )*) => {
        tauri::generate_handler![$($crate::commands::$module::$name),*]
    };
}
