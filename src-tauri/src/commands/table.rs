// The one list of the window's commands: `module::name(arguments; channel) -> result`, where
// `channel` names the message type of a `tauri::ipc::Channel` argument and `as "…"` gives the
// TypeScript type where it differs from the Rust type's ts-rs binding. From this list come the
// handler registration (lib.rs), the permissions tauri-build generates (build.rs includes this
// file), and the TypeScript map `ui/src/lib/bindings/Commands.ts` (commands::table_tests), which
// also checks each function's signature and capabilities/main.json against it.
// Plain `//` comments: build.rs includes this file as items.
macro_rules! with_commands {
    ($then:ident) => {
        $then! {
            auth::auth_status() -> AuthStatus;
            auth::sign_in_browser(cloud: CloudSetting, tenant: Option<String>) -> AccountInfo;
            auth::sign_in_again(account_id: String) -> AccountInfo;
            auth::sign_in_device_code(cloud: CloudSetting, tenant: Option<String>; on_prompt: DeviceCodePrompt) -> AccountInfo;
            auth::sign_in_azure_cli(tenant: Option<String>) -> AccountInfo;
            auth::sign_in_service_principal(cloud: CloudSetting, tenant: String, client_id: String) -> AccountInfo;
            auth::choose_secret_file() -> Option<String>;
            auth::choose_ca_file() -> Option<String>;
            auth::cancel_sign_in() -> ();
            auth::list_tenants(account_id: String) -> Vec<TenantInfo>;
            auth::list_subscriptions(account_id: String) -> Vec<SubscriptionInfo>;
            auth::set_selection(account_id: String, selection: Selection) -> AccountInfo;
            auth::sign_out(account_id: String) -> ();
            inventory::cached_inventory() -> Option<Inventory>;
            inventory::refresh_inventory(; on_progress: inventory::model::Progress) -> Inventory;
            inventory::cancel_refresh() -> ();
            inventory::export_inventory(format: String as "\"csv\" | \"json\"") -> Option<String>;
            inventory::dashboard_painted(rows: u32, cached: bool, page: Option<PageTimings> as "{ originMs: number, marks: Array<{ name: string, atMs: number }> } | null") -> ();
            settings::get_settings() -> Settings;
            settings::save_settings(settings: serde_json::Value as "Draft<Settings>") -> SettingsSaved;
            alerts::alert_status() -> AlertStatus;
            alerts::subscribe_app_events(; on_event: AppEvent) -> ();
            alerts::refresh_in_background() -> ();
            vault::vault_status() -> VaultStatus;
            vault::vault_list() -> Vec<VaultRow>;
            vault::vault_copy(key_id: String) -> u64 as "number";
            vault::vault_reveal(key_id: String) -> ();
            vault::vault_delete(key_id: String) -> ();
            rotation::plan_rotation(cluster_ids: Vec<String>, mode: Mode, lifetime_days: Option<u32>, retire: Option<Retire>, key_vault: Option<KeyVaultChoice>) -> StoredPlan;
            rotation::start_rotation(plan_id: String, confirmed_names: Vec<String>, roles_to_copy: Option<Vec<String>>; on_progress: rotation::model::Progress) -> Vec<GroupResult>;
            rotation::list_rotations() -> Vec<RotationSummary>;
            rotation::resume_rotations(only: Option<String>; on_progress: rotation::model::Progress) -> Resumed;
            rotation::roll_back_rotation(rotation_id: String) -> GroupResult;
            rotation::rotation_history() -> Vec<AuditRecord>;
            rotation::export_history() -> Option<String>;
            rotation::open_aad_migration_guide() -> ();
            key_vault::list_key_vaults() -> KeyVaults;
            key_vault::answer_retirement(rotation_id: String, answer: HoldAnswer) -> GroupResult;
            migration::plan_migration(cluster_ids: Vec<String>, identity: Option<String>, retire: Option<Retire>, delete_principal: Option<bool>) -> StoredMigration;
            migration::start_migration(plan_id: String, confirmed_names: Vec<String>; on_progress: MoveProgress) -> Vec<MoveResult>;
            migration::list_migrations() -> Vec<MoveSummary>;
            migration::resume_migrations(; on_progress: MoveProgress) -> ResumedMoves;
            updates::check_for_updates() -> UpdateCheck;
        }
    };
}
