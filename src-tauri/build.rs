// The app's own commands come from the one table in src/commands/table.rs, so that tauri-build
// generates a permission for each; a command not listed in a capability is refused at the IPC
// boundary (capabilities/main.json, checked against the same table by a test).
include!("src/commands/table.rs");

/// The command names of the table, in its order.
macro_rules! names {
    ($( $module:ident :: $name:ident ( $($arg:ident : $ty:ty $(as $ts:literal)?),* $(; $channel:ident : $message:ty)? ) -> $result:ty $(as $result_ts:literal)?; )*) => {
        &[$(stringify!($name)),*]
    };
}

const COMMANDS: &[&str] = with_commands!(names);

fn main() {
    println!("cargo:rerun-if-changed=src/commands/table.rs");
    let attributes =
        tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(e) = tauri_build::try_build(attributes) {
        panic!("tauri-build failed: {e:#}");
    }
}
