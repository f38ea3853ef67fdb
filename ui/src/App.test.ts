import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import App from "./App.svelte";
import {
  account,
  inventory,
  demoStatus,
  mockBackend,
  settings,
  signedInStatus,
  subscriptions,
  tenants,
} from "./test/fixtures";

// The dashboard asks for the saved inventory, then refreshes.
const inventoryCommands = { cached_inventory: () => null, refresh_inventory: () => inventory() };

describe("App shell", () => {
  it("applies the saved theme when it starts", async () => {
    document.documentElement.dataset.theme = "light";
    mockBackend({ auth_status: () => demoStatus, get_settings: () => ({ ...settings, theme: "dark" }), ...inventoryCommands });
    render(App);

    await waitFor(() => expect(document.documentElement.dataset.theme).toBe("dark"));
    expect(document.documentElement.dataset.themeSetting).toBe("dark");
    document.documentElement.dataset.theme = "light";
  });

  it("shows the demo banner, a sign-in button and the session label in demo mode", async () => {
    mockBackend({ auth_status: () => demoStatus, ...inventoryCommands });
    render(App);

    const note = await screen.findByTestId("demo-note");
    expect(note.textContent?.replace(/\s+/g, " ").trim()).toBe(
      "Demo mode — simulated Azure tenant (no real Azure account configured). Nothing here touches Azure.",
    );
    expect((await screen.findByTestId("sign-in-button")).textContent).toBe("Sign in to Azure");
    const label = screen.getByTestId("session-label").textContent ?? "";
    expect(label).toContain("AzureCloud");
    expect(label).toContain("Contoso (simulated)");
    expect(label).toContain("https://management.azure.com/");
  });

  it("shows no demo banner when auth_status says an Azure account is signed in", async () => {
    mockBackend({
      auth_status: () => signedInStatus,
      ...inventoryCommands,
    });
    render(App);

    // Wait until both have arrived and rendered, then assert the banner is absent.
    await screen.findByText("Contoso Ltd");
    await screen.findAllByTestId("cluster-row");
    await waitFor(() => expect(screen.queryByTestId("demo-banner")).toBeNull());
    expect(screen.queryByTestId("sign-in-button")).toBeNull();
  });

  it("renders the Clusters page with the nav item marked current, and switches to Accounts", async () => {
    mockBackend({
      auth_status: () => signedInStatus,
      ...inventoryCommands,
      list_tenants: () => tenants,
      list_subscriptions: () => subscriptions,
    });
    render(App);

    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("Clusters");
    expect(screen.getByRole("button", { name: "Clusters" }).getAttribute("aria-current")).toBe("page");
    expect(await screen.findAllByTestId("cluster-row")).toHaveLength(8);

    await fireEvent.click(screen.getByRole("button", { name: "Accounts" }));
    expect(screen.getByRole("button", { name: "Accounts" }).getAttribute("aria-current")).toBe("page");
    expect(await screen.findByTestId("accounts-page")).toBeTruthy();
    expect((await screen.findByTestId("account-card")).dataset.accountId).toBe(account.id);
  });

  it("goes from the demo banner to sign-in, then to Accounts with the new account, without the banner", async () => {
    let signedIn = false;
    const calls = mockBackend({
      auth_status: () => (signedIn ? signedInStatus : demoStatus),
      ...inventoryCommands,
      sign_in_browser: () => {
        signedIn = true;
        return account;
      },
      list_tenants: () => tenants,
      list_subscriptions: () => subscriptions,
    });
    render(App);

    await fireEvent.click(await screen.findByTestId("sign-in-button"));
    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("Sign in to Azure");
    // Already on the sign-in screen: the banner keeps its note but drops the button.
    expect(screen.queryByTestId("sign-in-button")).toBeNull();

    await fireEvent.click(screen.getByTestId("sign-in-submit"));
    expect(await screen.findByTestId("account-card")).toBeTruthy();
    expect(screen.queryByTestId("demo-banner")).toBeNull();
    expect(screen.getByTestId("session-label").textContent).toContain("Contoso Ltd");
    expect(calls.filter((c) => c === "auth_status")).toHaveLength(2);
  });

  it("says the session is unavailable, and guesses no demo mode, when auth_status fails", async () => {
    mockBackend({
      auth_status: () => {
        throw { code: "config_invalid", message: "Bad config" };
      },
      ...inventoryCommands,
    });
    render(App);

    const notice = await screen.findByText("Session unavailable");
    expect(notice.getAttribute("title")).toBe("Bad config (config_invalid)");
    expect(screen.queryByTestId("demo-banner")).toBeNull();
  });
});
