// The rotate wizard's optional Key Vault copy: whether to also write the new secret to an Azure Key
// Vault secret, which vault (from `list_key_vaults`, asked once the admin wants one: it reads ARM),
// and the secret's name (empty: Rust's one name per application). Rust checks the vault in
// pre-flight (it exists, the caller may set secrets) and writes and reads it back before any reset.
import { getSettings, listKeyVaults, saveSettings, toIpcError } from "./api";
import type { IpcError } from "./bindings/IpcError";
import type { KeyVaultChoice } from "./bindings/KeyVaultChoice";
import type { KeyVaults } from "./bindings/KeyVaults";
import type { PlanGroup } from "./bindings/PlanGroup";

export class KeyVaultOption {
  wanted = $state(false);
  /** The chosen vault's ARM ID; empty until the vaults are listed. */
  vaultId = $state("");
  secretName = $state("");
  /** Also keep the choice as each rotated application's Key Vault setting (used by later rotations). */
  remember = $state(false);
  /** Why remembering failed, if it did (the rotation itself is not affected). */
  rememberError = $state<string | null>(null);
  found = $state.raw<KeyVaults | null>(null);
  loading = $state(false);
  error = $state<IpcError | null>(null);
  /** Increases with every listing and reset, so a late answer does not land in a new wizard. */
  private asked = 0;

  reset() {
    this.wanted = false;
    this.vaultId = "";
    this.secretName = "";
    this.remember = false;
    this.rememberError = null;
    this.found = null;
    this.loading = false;
    this.error = null;
    this.asked += 1;
  }

  /** Lists the vaults (once; again after a failure), and chooses the first when none is chosen. */
  async load() {
    if (this.found !== null || this.loading) return;
    const ask = ++this.asked;
    this.loading = true;
    this.error = null;
    try {
      const found = await listKeyVaults();
      if (ask !== this.asked) return;
      this.found = found;
      if (this.vaultId === "" && found.vaults.length > 0) this.vaultId = found.vaults[0]!.id;
    } catch (err) {
      if (ask === this.asked) this.error = toIpcError(err);
    } finally {
      if (ask === this.asked) this.loading = false;
    }
  }

  /** Wanted but no vault to write to yet: the wizard does not plan until one is chosen (or unticked). */
  incomplete(): boolean {
    return this.wanted && this.vaultId === "";
  }

  /** What `plan_rotation` gets: null when not wanted (the applications' settings then apply). */
  value(): KeyVaultChoice | null {
    if (!this.wanted || this.vaultId === "") return null;
    const name = this.secretName.trim();
    return { vaultId: this.vaultId, secretName: name === "" ? null : name };
  }

  /**
   * After a rotation ran: with "remember" ticked, each group's Key Vault copy (as Rust planned it)
   * becomes its application's setting, through the Settings page's own command (Rust validates it;
   * every later rotation's native confirmation still names the vault).
   */
  async rememberFor(groups: PlanGroup[]) {
    const copies = groups.filter((g) => g.keyVault !== null);
    if (!this.remember || copies.length === 0) return;
    try {
      const settings = await getSettings();
      const keyVaults = { ...settings.keyVaults };
      for (const g of copies) {
        keyVaults[g.appId] = { vaultId: g.keyVault!.vaultId, secretName: g.keyVault!.secretName };
      }
      const saved = await saveSettings({ ...settings, keyVaults });
      this.rememberError = saved.saved ? null : saved.problems.map((p) => p.message).join(" ");
    } catch (err) {
      this.rememberError = toIpcError(err).message;
    }
  }
}
