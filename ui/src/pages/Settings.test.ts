import { fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import { dispatchAppEvent } from "../lib/appEvents";
import type { AlertStatus } from "../lib/bindings/AlertStatus";
import type { Settings } from "../lib/bindings/Settings";
import type { SettingsSaved } from "../lib/bindings/SettingsSaved";
import type { UpdateCheck } from "../lib/bindings/UpdateCheck";
import { formatDateTime } from "../lib/expiry";
import { demoStatus, mockCommands, pageProps } from "../test/fixtures";
import SettingsPage from "./Settings.svelte";

const defaults: Settings = {
  clientId: null,
  cloud: null,
  refreshIntervalHours: 6,
  closeToTray: true,
  notifyDays: [60, 30, 7, 1],
  notifyExpired: true,
  dailyDigest: false,
  startAtLogin: false,
  expiryBuckets: { criticalDays: 7, warningDays: 30, noticeDays: 90 },
  rotationLifetimeDays: 180,
  retirePolicy: "afterGrace",
  retireGraceHours: 24,
  rotationConcurrency: 8,
  replicationTimeoutMinutes: 10,
  retireHoldHours: 24,
  keyVaults: {},
  theme: "system",
  checkForUpdates: true,
};

const status: AlertStatus = {
  summary: null,
  lastRefresh: "2030-01-01T10:00:00Z",
  nextRefresh: "2030-01-01T16:00:00Z",
  problem: null,
  refreshing: false,
  demo: true,
};

const input = (id: string) => screen.getByTestId<HTMLInputElement>(id);

async function type(id: string, value: string) {
  await fireEvent.input(input(id), { target: { value } });
}

function mockSettings(save: (settings: Settings) => SettingsSaved = (s) => ({ saved: true, settings: s, problems: [], note: null })) {
  return mockCommands({
    get_settings: () => defaults,
    alert_status: () => status,
    save_settings: (args) => save(args.settings as Settings),
    refresh_in_background: () => null,
  });
}

describe("Settings page", () => {
  it("shows the settings in force", async () => {
    mockSettings();
    render(SettingsPage, pageProps(demoStatus));

    expect((await screen.findByTestId<HTMLInputElement>("notify-days")).value).toBe("60, 30, 7, 1");
    expect(input("refresh-interval").value).toBe("6");
    expect(input("close-to-tray").checked).toBe(true);
    expect(input("start-at-login").checked).toBe(false);
    expect(input("daily-digest").checked).toBe(false);
    expect(input("critical-days").value).toBe("7");
    expect(input("rotation-lifetime").value).toBe("180");
    expect(screen.getByTestId<HTMLSelectElement>("retire-policy").value).toBe("afterGrace");
    expect(input("retire-grace").value).toBe("24");
    expect(screen.getByTestId<HTMLSelectElement>("settings-cloud").value).toBe("public");
    expect((await screen.findByTestId("alert-status")).textContent).toContain(
      `Last refreshed ${formatDateTime(status.lastRefresh)} · next ${formatDateTime(status.nextRefresh)}`,
    );
  });

  it("applies a theme at once and saves it alone, not the unsaved edits", async () => {
    const calls = mockSettings();
    render(SettingsPage, pageProps(demoStatus));
    await screen.findByTestId("notify-days");
    expect(input("theme-system").checked).toBe(true);

    await type("refresh-interval", "2");
    await fireEvent.click(input("theme-dark"));
    expect(document.documentElement.dataset.theme).toBe("dark");
    await waitFor(() => expect(calls.some((c) => c.cmd === "save_settings")).toBe(true));
    const sent = calls.find((c) => c.cmd === "save_settings")?.args.settings as Settings;
    expect(sent).toEqual({ ...defaults, theme: "dark" });
    expect(input("refresh-interval").value).toBe("2");

    await fireEvent.click(input("theme-light"));
    expect(document.documentElement.dataset.theme).toBe("light");
    await waitFor(() => expect(calls.filter((c) => c.cmd === "save_settings")).toHaveLength(2));
  });

  it("saves what was typed, as numbers and a list, and says so", async () => {
    const calls = mockSettings();
    render(SettingsPage, pageProps(demoStatus));
    await screen.findByTestId("notify-days");

    await type("notify-days", "45; 14 3");
    await type("refresh-interval", "2");
    await fireEvent.click(input("daily-digest"));
    await fireEvent.click(input("start-at-login"));
    await fireEvent.change(screen.getByTestId("retire-policy"), { target: { value: "never" } });
    await fireEvent.click(screen.getByTestId("save-settings"));

    expect(await screen.findByTestId("settings-saved")).toBeTruthy();
    const sent = calls.find((c) => c.cmd === "save_settings")?.args.settings as Settings;
    expect(sent.notifyDays).toEqual([45, 14, 3]);
    expect(sent.refreshIntervalHours).toBe(2);
    expect(sent.dailyDigest).toBe(true);
    expect(sent.startAtLogin).toBe(true);
    expect(sent.retirePolicy).toBe("never");
    expect(sent.cloud).toBeNull();
    // The grace period only matters after a grace.
    expect(screen.queryByTestId("retire-grace")).toBeNull();
  });

  it("turns the update check at start off, and shows what 'Check for updates now' found", async () => {
    const answers: UpdateCheck[] = [
      { kind: "upToDate", current: "0.1.0" },
      { kind: "failed", current: "0.1.0", message: "Rekey could not read its update feed at https://feed.example/latest.json (timed out). Nothing was installed; check the network or proxy and try again." },
    ];
    const calls = mockCommands({
      get_settings: () => defaults,
      alert_status: () => status,
      save_settings: (args) => ({ saved: true, settings: args.settings as Settings, problems: [], note: null }),
      check_for_updates: () => answers.shift() ?? { kind: "upToDate", current: "0.1.0" },
    });
    render(SettingsPage, pageProps(demoStatus));
    await screen.findByTestId("notify-days");
    expect(input("check-for-updates").checked).toBe(true);

    await fireEvent.click(input("check-for-updates"));
    await fireEvent.click(screen.getByTestId("save-settings"));
    await screen.findByTestId("settings-saved");
    const sent = calls.find((c) => c.cmd === "save_settings")?.args.settings as Settings;
    expect(sent.checkForUpdates).toBe(false);

    await fireEvent.click(screen.getByTestId("check-updates-now"));
    expect((await screen.findByTestId("update-answer")).textContent).toBe("Rekey 0.1.0 is up to date.");
    await fireEvent.click(screen.getByTestId("check-updates-now"));
    await waitFor(() => expect(screen.getByTestId("update-answer").textContent).toContain("could not read its update feed"));
    expect(screen.getByTestId("update-answer").classList.contains("problem")).toBe(true);
    // The window only asks: no feed, no version, no install decision goes from it to Rust.
    expect(calls.filter((c) => c.cmd === "check_for_updates").every((c) => Object.keys(c.args ?? {}).length === 0)).toBe(true);
  });

  it("shows Rust's message next to each refused field, and nothing is saved", async () => {
    const calls = mockSettings(() => ({
      saved: false,
      settings: defaults,
      problems: [
        { field: "refreshIntervalHours", message: "The refresh interval must be a whole number." },
        { field: "rotationConcurrency", message: "The number of clusters rotated at once must be between 1 and 64 clusters, not 0." },
      ],
      note: null,
    }));
    render(SettingsPage, pageProps(demoStatus));
    await screen.findByTestId("notify-days");

    await type("refresh-interval", "six");
    await type("rotation-concurrency", "0");
    await fireEvent.click(screen.getByTestId("save-settings"));

    const list = await screen.findByTestId("settings-problems");
    expect(list.textContent).toContain("Nothing was saved");
    expect(list.querySelectorAll("li")).toHaveLength(2);
    expect(screen.getByText("The refresh interval must be a whole number.", { selector: ".error" })).toBeTruthy();
    expect(screen.queryByTestId("settings-saved")).toBeNull();
    // A word where a number goes reaches Rust as "not a number", for Rust to name.
    const sent = calls.find((c) => c.cmd === "save_settings")?.args.settings as Settings;
    expect(sent.refreshIntervalHours).toBeNull();
    expect(sent.rotationConcurrency).toBe(0);
  });

  it("sends a custom sign-in cloud and shows a note when start at login could not follow", async () => {
    const calls = mockSettings((s) => ({
      saved: true,
      settings: s,
      problems: [],
      note: "Start at login could not be turned on: no autostart folder",
    }));
    render(SettingsPage, pageProps(demoStatus));
    await screen.findByTestId("notify-days");

    await fireEvent.change(screen.getByTestId("settings-cloud"), { target: { value: "custom" } });
    await type("settings-metadata-url", "https://arm.example/metadata/endpoints?api-version=2022-09-01");
    await type("settings-client-id", " 11111111-2222-3333-4444-555555555555 ");
    await fireEvent.click(screen.getByTestId("save-settings"));

    expect((await screen.findByTestId("settings-note")).textContent).toContain("Start at login could not");
    const sent = calls.find((c) => c.cmd === "save_settings")?.args.settings as Settings;
    expect(sent.cloud).toEqual({
      kind: "custom",
      metadataUrl: "https://arm.example/metadata/endpoints?api-version=2022-09-01",
      caFile: null,
    });
    expect(sent.clientId).toBe("11111111-2222-3333-4444-555555555555");
  });

  it("follows the background refresh's status and asks for one", async () => {
    const calls = mockSettings();
    render(SettingsPage, pageProps(demoStatus));
    await screen.findByTestId("alert-status");

    dispatchAppEvent({
      kind: "statusChanged",
      status: { ...status, problem: "admin@contoso.com: sign in again" },
    });
    expect((await screen.findByTestId("alert-problem")).textContent).toContain("sign in again");
    await fireEvent.click(screen.getByTestId("refresh-in-background"));
    await waitFor(() => expect(calls.some((c) => c.cmd === "refresh_in_background")).toBe(true));
  });

  it("shows and saves the hold's wait, and removes an application's Key Vault copy", async () => {
    const APP_A = "0a1b2c3d-0000-4000-8000-00000000000a";
    const APP_B = "0a1b2c3d-0000-4000-8000-00000000000b";
    const VAULT = "/subscriptions/s/resourceGroups/rg-platform/providers/Microsoft.KeyVault/vaults/kv-contoso-platform";
    const withCopies: Settings = {
      ...defaults,
      retireHoldHours: 24,
      keyVaults: {
        [APP_A]: { vaultId: VAULT, secretName: "pipeline-a" },
        [APP_B]: { vaultId: VAULT, secretName: null },
      },
    };
    const calls = mockCommands({
      get_settings: () => withCopies,
      alert_status: () => status,
      save_settings: (args) => ({ saved: true, settings: args.settings as Settings, problems: [], note: null }),
    });
    render(SettingsPage, pageProps(demoStatus));
    expect((await screen.findByTestId<HTMLInputElement>("retire-hold")).value).toBe("24");
    const copies = screen.getAllByTestId("key-vault-copy");
    expect(copies.map((c) => c.dataset.appId)).toEqual([APP_A, APP_B]);
    expect(copies[0]!.textContent).toContain("kv-contoso-platform/pipeline-a");
    expect(copies[1]!.textContent).toContain("kv-contoso-platform/<app name>-secret");

    await type("retire-hold", "72");
    await fireEvent.click(within(copies[0]!).getByTestId("key-vault-copy-remove"));
    expect(screen.getAllByTestId("key-vault-copy").map((c) => c.dataset.appId)).toEqual([APP_B]);
    await fireEvent.click(screen.getByTestId("save-settings"));
    expect(await screen.findByTestId("settings-saved")).toBeTruthy();
    const sent = calls.find((c) => c.cmd === "save_settings")?.args.settings as Settings;
    expect(sent.retireHoldHours).toBe(72);
    expect(sent.keyVaults).toEqual({ [APP_B]: { vaultId: VAULT, secretName: null } });

    await fireEvent.click(screen.getByTestId("key-vault-copy-remove"));
    expect(screen.getByTestId("key-vault-copies-empty").textContent).toBe("None.");
  });

  it("shows Rust's message for a refused hold wait or Key Vault copy", async () => {
    mockSettings(() => ({
      saved: false,
      settings: defaults,
      problems: [
        { field: "retireHoldHours", message: "The wait before an old secret still in use is looked at again must be between 0 and 168 hours, not 200." },
        { field: "keyVaults", message: "The Key Vault copy of application 'x' needs the application's ID." },
      ],
      note: null,
    }));
    render(SettingsPage, pageProps(demoStatus));
    await screen.findByTestId("retire-hold");
    await type("retire-hold", "200");
    await fireEvent.click(screen.getByTestId("save-settings"));
    expect((await screen.findByTestId("settings-problems")).textContent).toContain("not 200");
    expect(document.getElementById("retire-hold-error")?.textContent).toContain("not 200");
    expect(screen.getByTestId("key-vault-copies-error").textContent).toContain("application's ID");
  });

  it("offers a retry when the settings cannot be read", async () => {
    let fail = true;
    mockCommands({
      get_settings: () => {
        if (fail) throw { code: "no_home", message: "No home folder." };
        return defaults;
      },
      alert_status: () => status,
    });
    render(SettingsPage, pageProps(demoStatus));
    expect(await screen.findByText("No home folder.")).toBeTruthy();
    fail = false;
    await fireEvent.click(screen.getByRole("button", { name: /retry|try again/i }));
    expect(await screen.findByTestId("notify-days")).toBeTruthy();
  });
});
