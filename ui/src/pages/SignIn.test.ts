import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { DeviceCodePrompt } from "../lib/bindings/DeviceCodePrompt";
import {
  account,
  deferred,
  demoCloud,
  demoStatus,
  mockCommands,
  pageProps,
  sendOnChannel,
  signedInStatus,
} from "../test/fixtures";
import SignIn from "./SignIn.svelte";

const submit = () => fireEvent.click(screen.getByTestId("sign-in-submit"));
const type = (label: string | RegExp, value: string) =>
  fireEvent.input(screen.getByLabelText(label), { target: { value } });
const pickCloud = (value: string) => fireEvent.change(screen.getByTestId("cloud-picker"), { target: { value } });

describe("Sign-in screen", () => {
  it.each([
    ["public", { kind: "public" }],
    ["china", { kind: "china" }],
    ["usGov", { kind: "usGov" }],
    ["demo", demoCloud],
  ])("the %s cloud choice sends %j to sign_in_browser", async (choice, cloud) => {
    const calls = mockCommands({ sign_in_browser: () => account });
    const props = pageProps(demoStatus);
    render(SignIn, props);

    await pickCloud(choice);
    await submit();

    await waitFor(() => expect(props.navigate).toHaveBeenCalledWith("accounts"));
    expect(calls).toEqual([{ cmd: "sign_in_browser", args: { cloud, tenant: null } }]);
  });

  it("offers the simulator only when auth_status has a demo cloud", () => {
    mockCommands({});
    render(SignIn, pageProps(signedInStatus));
    const options = [...screen.getByTestId<HTMLSelectElement>("cloud-picker").options].map((o) => o.value);
    expect(options).toEqual(["public", "china", "usGov", "custom"]);
  });

  it("validates a custom cloud's metadata URL before sending anything", async () => {
    const calls = mockCommands({ sign_in_browser: () => account });
    render(SignIn, pageProps());

    await pickCloud("custom");
    const url = screen.getByLabelText("Metadata URL");
    await type("Metadata URL", "http://management.example.com/metadata/endpoints");
    await submit();

    expect(url.getAttribute("aria-invalid")).toBe("true");
    expect(screen.getByText(/Only https:\/\/ URLs are allowed/)).toBeTruthy();
    expect(document.activeElement).toBe(url);
    expect(calls).toEqual([]);

    // Fixing the field clears the error as the user types; then the request goes out.
    await type("Metadata URL", "https://management.example.com/metadata/endpoints");
    expect(url.hasAttribute("aria-invalid")).toBe(false);
    await submit();
    await waitFor(() => expect(calls).toHaveLength(1));
    expect(calls[0]!.args).toEqual({
      cloud: { kind: "custom", metadataUrl: "https://management.example.com/metadata/endpoints", caFile: null },
      tenant: null,
    });
  });

  it("rejects a tenant that is neither a GUID nor a domain", async () => {
    const calls = mockCommands({ sign_in_browser: () => account });
    render(SignIn, pageProps());

    await type(/^Tenant/, "contoso");
    await submit();

    expect(screen.getByLabelText(/^Tenant/).getAttribute("aria-invalid")).toBe("true");
    expect(calls).toEqual([]);

    await type(/^Tenant/, "contoso.onmicrosoft.com");
    await submit();
    await waitFor(() => expect(calls[0]?.args.tenant).toBe("contoso.onmicrosoft.com"));
  });

  it("browser: shows the waiting state; Cancel calls cancel_sign_in and ignores the late rejection", async () => {
    const browser = deferred<unknown>();
    const calls = mockCommands({ sign_in_browser: () => browser.promise, cancel_sign_in: () => null });
    const props = pageProps();
    render(SignIn, props);

    await submit();
    const waiting = await screen.findByTestId("sign-in-waiting");
    expect(waiting.textContent).toContain("Waiting for you to finish in the browser…");
    expect(waiting.textContent).toContain("Azure (public)");
    expect(screen.queryByTestId("sign-in-submit")).toBeNull();
    expect(document.activeElement).toBe(screen.getByTestId("sign-in-cancel"));

    await fireEvent.click(screen.getByTestId("sign-in-cancel"));
    await screen.findByTestId("sign-in-submit");
    expect(calls.map((c) => c.cmd)).toEqual(["sign_in_browser", "cancel_sign_in"]);
    expect(document.activeElement).toBe(screen.getByTestId("sign-in-submit"));

    browser.reject({ code: "sign_in_cancelled", message: "Sign-in was cancelled" });
    await new Promise((r) => setTimeout(r, 0));
    expect(screen.queryByTestId("sign-in-error")).toBeNull();
    expect(props.navigate).not.toHaveBeenCalled();
  });

  it("cancels a pending sign-in when the user leaves the page", async () => {
    const calls = mockCommands({ sign_in_browser: () => new Promise(() => {}), cancel_sign_in: () => null });
    const { unmount } = render(SignIn, pageProps());

    await submit();
    await screen.findByTestId("sign-in-waiting");
    unmount();
    expect(calls.map((c) => c.cmd)).toEqual(["sign_in_browser", "cancel_sign_in"]);
  });

  describe("device code", () => {
    let writeText: ReturnType<typeof vi.fn>;

    beforeEach(() => {
      writeText = vi.fn(() => Promise.resolve());
      Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
    });

    afterEach(() => {
      Reflect.deleteProperty(navigator, "clipboard");
    });

    it("shows the code from the channel, the URL and the countdown, and copies the code", async () => {
      const approved = deferred<unknown>();
      const prompt: DeviceCodePrompt = {
        userCode: "GQ7XK2PLM",
        verificationUri: "https://microsoft.com/devicelogin",
        message: "To sign in, use a web browser…",
        expiresAt: new Date(Date.now() + 15 * 60_000).toISOString(),
      };
      const calls = mockCommands({
        sign_in_device_code: (args) => {
          sendOnChannel(args.onPrompt, 0, prompt);
          return approved.promise;
        },
      });
      const props = pageProps();
      render(SignIn, props);

      await fireEvent.click(screen.getByTestId("method-device-code"));
      expect(screen.getByTestId("sign-in-submit").textContent).toBe("Get a code");
      await submit();

      expect((await screen.findByTestId("device-code")).textContent).toBe("GQ7XK2PLM");
      expect(screen.getByTestId("device-code-uri").textContent).toBe("https://microsoft.com/devicelogin");
      expect(screen.getByTestId("device-code-expiry").textContent).toMatch(/^Code expires in 1[45]:\d\d$/);
      expect(calls[0]!.args).toMatchObject({ cloud: { kind: "public" }, tenant: null });

      await fireEvent.click(screen.getByRole("button", { name: "Copy code" }));
      expect(writeText).toHaveBeenCalledWith("GQ7XK2PLM");
      expect(await screen.findByText("The code is on the clipboard.")).toBeTruthy();

      approved.resolve(account);
      await waitFor(() => expect(props.navigate).toHaveBeenCalledWith("accounts"));
      expect(props.reloadAuth).toHaveBeenCalled();
    });

    it("says when the code has expired and when copying fails", async () => {
      writeText.mockImplementation(() => Promise.reject(new Error("denied")));
      mockCommands({
        sign_in_device_code: (args) => {
          sendOnChannel(args.onPrompt, 0, {
            userCode: "OLDCODE",
            verificationUri: "https://microsoft.com/devicelogin",
            message: "",
            expiresAt: new Date(Date.now() - 1000).toISOString(),
          });
          return new Promise(() => {});
        },
      });
      render(SignIn, pageProps());

      await fireEvent.click(screen.getByTestId("method-device-code"));
      await submit();

      expect((await screen.findByTestId("device-code-expiry")).textContent).toContain("This code has expired");
      await fireEvent.click(screen.getByRole("button", { name: "Copy code" }));
      expect(await screen.findByText(/Couldn’t copy/)).toBeTruthy();
    });
  });

  it("Azure CLI: the cloud picker is disabled and only the tenant is sent", async () => {
    const calls = mockCommands({ sign_in_azure_cli: () => account });
    render(SignIn, pageProps());

    await fireEvent.click(screen.getByTestId("method-azure-cli"));
    expect(screen.getByTestId("cloud-picker").hasAttribute("disabled")).toBe(true);
    await type(/^Tenant/, "72f988bf-86f1-41af-91ab-2d7cd011db47");
    await submit();

    await waitFor(() => expect(calls).toHaveLength(1));
    expect(calls[0]).toEqual({
      cmd: "sign_in_azure_cli",
      args: { tenant: "72f988bf-86f1-41af-91ab-2d7cd011db47" },
    });
  });

  it("service principal: the secret file is chosen in Rust's dialog; no path or secret is sent", async () => {
    const calls = mockCommands({
      choose_secret_file: () => "sp-secret.txt",
      sign_in_service_principal: () => account,
    });
    render(SignIn, pageProps());

    await fireEvent.click(screen.getByTestId("method-service-principal"));
    // No field could hold a secret: no password input, and the file field says why.
    expect(document.querySelector('input[type="password"]')).toBeNull();
    expect(screen.getByText(/neither the secret nor the file’s path passes through this window/)).toBeTruthy();

    await submit();
    expect(screen.getByLabelText("Application (client) ID").getAttribute("aria-invalid")).toBe("true");
    expect(screen.getByTestId("sp-secret-file").getAttribute("aria-describedby")).toContain("error");
    expect(calls).toEqual([]);

    await type(/^Tenant/, "contoso.onmicrosoft.com");
    await type("Application (client) ID", "0b2f3a5c-1d4e-4f60-8a7b-9c0d1e2f3a4b");
    // The file is chosen in Rekey's own dialog (Rust): the page learns its name only.
    await fireEvent.click(screen.getByTestId("sp-secret-file"));
    await waitFor(() => expect(screen.getByTestId("sp-secret-file-name").textContent).toBe("sp-secret.txt"));
    await submit();

    await waitFor(() => expect(calls).toHaveLength(2));
    expect(calls[0]).toEqual({ cmd: "choose_secret_file", args: {} });
    expect(calls[1]).toEqual({
      cmd: "sign_in_service_principal",
      args: {
        cloud: { kind: "public" },
        tenant: "contoso.onmicrosoft.com",
        clientId: "0b2f3a5c-1d4e-4f60-8a7b-9c0d1e2f3a4b",
      },
    });
    expect(Object.keys(calls[1]!.args).some((k) => /secret|password|file/i.test(k))).toBe(false);
  });

  it("shows a failed sign-in's message, with its code for support, and lets the user retry", async () => {
    let attempt = 0;
    const calls = mockCommands({
      sign_in_browser: () => {
        attempt += 1;
        if (attempt === 1) {
          throw { code: "aadsts50020", message: "This account is not in the Contoso directory." };
        }
        return account;
      },
    });
    const props = pageProps();
    render(SignIn, props);

    await submit();
    const error = await screen.findByTestId("sign-in-error");
    expect(error.textContent).toContain("This account is not in the Contoso directory.");
    expect(error.querySelector("code")?.textContent).toBe("aadsts50020");
    expect(error.textContent).toContain("for support");
    expect(document.activeElement).toBe(screen.getByTestId("sign-in-submit"));
    expect(props.navigate).not.toHaveBeenCalled();

    await submit();
    await waitFor(() => expect(props.navigate).toHaveBeenCalledWith("accounts"));
    expect(calls).toHaveLength(2);
  });
});
