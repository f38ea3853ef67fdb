import { fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import type { AuthStatus } from "../lib/bindings/AuthStatus";
import {
  account,
  deferred,
  demoStatus,
  EMPTY_TENANT,
  HOME_TENANT,
  mockCommands,
  OTHER_TENANT,
  pageProps,
  signedInStatus,
  SUB_DATA,
  SUB_DEV,
  SUB_PROD,
  subscriptions,
  tenants,
} from "../test/fixtures";
import Accounts from "./Accounts.svelte";

const tenantBox = (id: string) =>
  screen.getAllByTestId<HTMLInputElement>("tenant-checkbox").find((b) => b.dataset.tenantId === id)!;
const subBox = (id: string) =>
  screen.getAllByTestId<HTMLInputElement>("subscription-checkbox").find((b) => b.dataset.subscriptionId === id)!;

function mockAccounts(extra: Record<string, (args: Record<string, unknown>) => unknown> = {}) {
  return mockCommands({ list_tenants: () => tenants, list_subscriptions: () => subscriptions, ...extra });
}

describe("Accounts page", () => {
  it("shows one card per account with its method, cloud and tenant", async () => {
    mockAccounts();
    render(Accounts, pageProps());

    const card = await screen.findByTestId("account-card");
    expect(card.dataset.accountId).toBe("acct-admin");
    const text = card.textContent ?? "";
    expect(text).toContain("admin@contoso.onmicrosoft.com");
    expect(text).toContain("Browser");
    expect(text).toContain("Azure (public)");
    expect(text).toContain(HOME_TENANT);
    expect(screen.getByTestId("accounts-page")).toBeTruthy();
  });

  it("lists tenants with their subscriptions as checkboxes, ticked from the saved selection", async () => {
    const calls = mockAccounts();
    const props = pageProps({
      ...signedInStatus,
      accounts: [{ ...account, selection: { tenants: [], subscriptions: [SUB_PROD, SUB_DATA] } }],
    });
    render(Accounts, props);
    await screen.findAllByTestId("subscription-checkbox");

    expect(screen.getAllByTestId("tenant-checkbox").map((b) => b.dataset.tenantId)).toEqual([
      HOME_TENANT,
      EMPTY_TENANT,
      OTHER_TENANT,
    ]);
    // Each subscription sits under its own tenant.
    const home = tenantBox(HOME_TENANT).closest("li")!;
    expect(within(home).getAllByTestId("subscription-checkbox").map((b) => b.dataset.subscriptionId)).toEqual([
      SUB_DEV,
      SUB_PROD,
    ]);
    expect(within(home).getByText("Contoso Production")).toBeTruthy();
    expect(within(home).getByText("Warned")).toBeTruthy();

    expect(subBox(SUB_PROD).checked).toBe(true);
    expect(subBox(SUB_DEV).checked).toBe(false);
    expect(subBox(SUB_DATA).checked).toBe(true);
    expect(tenantBox(HOME_TENANT).indeterminate).toBe(true);
    expect(tenantBox(OTHER_TENANT).checked).toBe(true);
    expect(calls.map((c) => c.cmd).sort()).toEqual(["list_subscriptions", "list_tenants"]);
    expect(calls.every((c) => c.args.accountId === "acct-admin")).toBe(true);
  });

  it("Apply sends the ticked tenants and subscriptions to set_selection", async () => {
    const calls = mockAccounts({
      set_selection: (args) => ({ ...account, selection: args.selection }),
    });
    const props = pageProps();
    render(Accounts, props);
    await screen.findAllByTestId("subscription-checkbox");

    const apply = screen.getByTestId("apply-selection");
    expect(apply.hasAttribute("disabled")).toBe(true); // nothing changed yet

    await fireEvent.click(tenantBox(OTHER_TENANT)); // drop Fabrikam entirely
    await fireEvent.click(subBox(SUB_DEV)); // and Contoso Dev
    expect(apply.hasAttribute("disabled")).toBe(false);
    await fireEvent.click(apply);

    await waitFor(() => expect(calls.some((c) => c.cmd === "set_selection")).toBe(true));
    expect(calls.find((c) => c.cmd === "set_selection")!.args).toEqual({
      accountId: "acct-admin",
      selection: { tenants: [HOME_TENANT, EMPTY_TENANT], subscriptions: [SUB_PROD] },
    });
    expect(await screen.findByText(/Saved\./)).toBeTruthy();
    expect(props.reloadAuth).toHaveBeenCalled();
    expect(apply.hasAttribute("disabled")).toBe(true);
  });

  it("does not let an empty selection be applied, since empty means everything", async () => {
    mockAccounts();
    render(Accounts, pageProps());
    await screen.findAllByTestId("subscription-checkbox");

    for (const id of [HOME_TENANT, EMPTY_TENANT, OTHER_TENANT]) await fireEvent.click(tenantBox(id));
    expect(screen.getAllByTestId<HTMLInputElement>("subscription-checkbox").some((b) => b.checked)).toBe(false);
    expect(screen.getByTestId("apply-selection").hasAttribute("disabled")).toBe(true);
    expect(screen.getByText("Tick at least one subscription.")).toBeTruthy();
  });

  it("signs out after confirmation and reloads the account list", async () => {
    const calls = mockAccounts({ sign_out: () => null });
    const props = pageProps();
    render(Accounts, props);
    await screen.findByTestId("account-card");

    await fireEvent.click(screen.getByTestId("sign-out"));
    expect(calls.some((c) => c.cmd === "sign_out")).toBe(false); // asks first
    expect(document.activeElement?.textContent).toBe("Cancel");

    await fireEvent.click(screen.getByRole("button", { name: "Cancel" }));
    expect(screen.queryByTestId("sign-out-confirm")).toBeNull();
    expect(document.activeElement).toBe(screen.getByTestId("sign-out"));

    await fireEvent.click(screen.getByTestId("sign-out"));
    await fireEvent.click(screen.getByTestId("sign-out-confirm"));
    await waitFor(() => expect(props.reloadAuth).toHaveBeenCalled());
    expect(calls.filter((c) => c.cmd === "sign_out")).toEqual([{ cmd: "sign_out", args: { accountId: "acct-admin" } }]);
  });

  it("shows why sign-in will not be remembered when tokens are not persisted", async () => {
    mockAccounts();
    const status: AuthStatus = {
      ...signedInStatus,
      tokensPersisted: false,
      storageProblem: "No Secret Service keyring is running.",
    };
    render(Accounts, pageProps(status));

    expect(screen.getByTestId("tokens-not-persisted").textContent?.trim()).toBe(
      "Your sign-in will not be remembered after Rekey closes: No Secret Service keyring is running.",
    );
  });

  it("shows no such notice when tokens are persisted", async () => {
    mockAccounts();
    render(Accounts, pageProps(signedInStatus));
    await screen.findByTestId("account-card");
    expect(screen.queryByTestId("tokens-not-persisted")).toBeNull();
  });

  it("shows a card-level error with its code when tenants cannot be listed, and retries", async () => {
    let attempt = 0;
    mockCommands({
      list_tenants: () => {
        attempt += 1;
        if (attempt === 1) throw { code: "token_expired", message: "Sign in again to refresh this account." };
        return tenants;
      },
      list_subscriptions: () => subscriptions,
    });
    render(Accounts, pageProps());

    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Sign in again to refresh this account.");
    expect(alert.textContent).toContain("token_expired");
    await fireEvent.click(within(alert).getByRole("button", { name: "Try again" }));
    expect(await screen.findAllByTestId("tenant-checkbox")).toHaveLength(3);
  });

  it("shows loading, error and empty states for the account list itself", async () => {
    mockAccounts();
    const props = pageProps({ status: "loading" });
    const { rerender } = render(Accounts, props);
    expect(screen.getByTestId("loading").textContent).toContain("Loading accounts…");

    await rerender({ auth: { status: "error", error: { code: "keyring_locked", message: "Keyring is locked" } } });
    expect(screen.getByTestId("error").textContent).toContain("keyring_locked");
    await fireEvent.click(screen.getByRole("button", { name: "Try again" }));
    expect(props.reloadAuth).toHaveBeenCalledTimes(1);

    await rerender({ auth: { status: "ready", auth: demoStatus } });
    expect(screen.getByTestId("empty").textContent).toContain("simulated demo tenant");
    await fireEvent.click(screen.getByTestId("add-account"));
    expect(props.navigate).toHaveBeenCalledWith("signin");
  });

  it("shows the tenants' loading state while they are on their way", async () => {
    const pending = deferred<unknown>();
    mockCommands({ list_tenants: () => pending.promise, list_subscriptions: () => subscriptions });
    render(Accounts, pageProps());
    expect((await screen.findByText("Loading tenants and subscriptions…")).closest("[role=status]")).toBeTruthy();
    pending.resolve(tenants);
    expect(await screen.findAllByTestId("tenant-checkbox")).toHaveLength(3);
  });
});

describe("Accounts page: Azure asks for a new sign-in", () => {
  const needing: AuthStatus = { ...signedInStatus, needsSignIn: ["acct-admin"] };

  it("shows the notice and a Sign in again button only on the account that needs it", async () => {
    mockAccounts();
    const second = { ...account, id: "acct-other", username: "other@contoso.onmicrosoft.com" };
    render(Accounts, pageProps({ ...needing, accounts: [account, second] }));

    const cards = await screen.findAllByTestId("account-card");
    const [first, other] = cards;
    expect(within(first).getByTestId("needs-sign-in").textContent).toContain(
      "Azure asks you to sign in again (for example multi-factor authentication)",
    );
    expect(within(first).getByTestId("sign-in-again").textContent?.trim()).toBe("Sign in again");
    expect(within(other).queryByTestId("needs-sign-in")).toBeNull();
    expect(within(other).queryByTestId("sign-in-again")).toBeNull();
  });

  it("shows no notice when no account needs a new sign-in", async () => {
    mockAccounts();
    render(Accounts, pageProps());
    await screen.findByTestId("account-card");
    expect(screen.queryByTestId("sign-in-again")).toBeNull();
  });

  it("Sign in again calls sign_in_again, waits, then re-reads the status and the account's tenants", async () => {
    const pending = deferred<unknown>();
    const calls = mockAccounts({ sign_in_again: () => pending.promise });
    const props = pageProps(needing);
    render(Accounts, props);

    await fireEvent.click(await screen.findByTestId("sign-in-again"));
    expect(calls.filter((c) => c.cmd === "sign_in_again")).toEqual([
      { cmd: "sign_in_again", args: { accountId: "acct-admin" } },
    ]);
    const waiting = await screen.findByTestId("sign-in-waiting");
    expect(waiting.textContent).toContain("sign in again in the browser");
    expect(screen.queryByTestId("sign-in-again")).toBeNull();

    const listedBefore = calls.filter((c) => c.cmd === "list_tenants").length;
    pending.resolve(account);
    await waitFor(() => expect(props.reloadAuth).toHaveBeenCalled());
    await waitFor(() =>
      expect(calls.filter((c) => c.cmd === "list_tenants").length).toBeGreaterThan(listedBefore),
    );
    expect(screen.queryByTestId("sign-in-waiting")).toBeNull();
  });

  it("Cancel calls cancel_sign_in and ignores the late rejection", async () => {
    const pending = deferred<unknown>();
    const calls = mockAccounts({ sign_in_again: () => pending.promise, cancel_sign_in: () => null });
    render(Accounts, pageProps(needing));

    await fireEvent.click(await screen.findByTestId("sign-in-again"));
    await screen.findByTestId("sign-in-waiting");
    await fireEvent.click(screen.getByTestId("sign-in-cancel"));
    await waitFor(() => expect(calls.some((c) => c.cmd === "cancel_sign_in")).toBe(true));
    pending.reject({ code: "cancelled", message: "You cancelled the sign-in." });

    await screen.findByTestId("sign-in-again");
    expect(screen.queryByTestId("sign-in-waiting")).toBeNull();
    expect(screen.queryByTestId("sign-in-again-error")).toBeNull();
  });

  it("a failed sign-in again says why and offers the button again", async () => {
    mockAccounts({
      sign_in_again: () => {
        throw { code: "timeout", message: "No sign-in was completed in the browser within 5 minutes." };
      },
    });
    render(Accounts, pageProps(needing));

    await fireEvent.click(await screen.findByTestId("sign-in-again"));
    const error = await screen.findByTestId("sign-in-again-error");
    expect(error.textContent).toContain("within 5 minutes");
    expect(screen.getByTestId("sign-in-again")).toBeTruthy();
  });
});
