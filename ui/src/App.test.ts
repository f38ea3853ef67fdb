import { render, screen } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import App from "./App.svelte";
import { azureSession, clusters, demoSession, mockBackend } from "./test/fixtures";

describe("App shell", () => {
  it("shows the demo banner and session label for a simulated session", async () => {
    mockBackend({ session_info: () => demoSession, list_clusters: () => clusters });
    render(App);

    const banner = await screen.findByTestId("demo-banner");
    expect(banner.textContent?.replace(/\s+/g, " ").trim()).toBe(
      "Demo mode — simulated Azure tenant (no real Azure account configured). Nothing here touches Azure.",
    );
    const label = screen.getByTestId("session-label").textContent ?? "";
    expect(label).toContain("AzureCloud");
    expect(label).toContain("Contoso (simulated)");
    expect(label).toContain("https://management.azure.com/");
  });

  it("shows no demo banner for a real Azure session", async () => {
    mockBackend({ session_info: () => azureSession, list_clusters: () => clusters });
    render(App);

    // Wait until session info has arrived and rendered, then assert the banner is absent.
    await screen.findByText("Contoso Ltd");
    await screen.findAllByTestId("cluster-row");
    expect(screen.queryByTestId("demo-banner")).toBeNull();
  });

  it("renders the Clusters page with the nav item marked current", async () => {
    mockBackend({ session_info: () => demoSession, list_clusters: () => clusters });
    render(App);

    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("Clusters");
    expect(screen.getByRole("button", { name: "Clusters" }).getAttribute("aria-current")).toBe("page");
    expect(await screen.findAllByTestId("cluster-row")).toHaveLength(4);
  });

  it("says the session is unavailable when session_info fails", async () => {
    mockBackend({
      session_info: () => {
        throw { code: "config_invalid", message: "Bad config" };
      },
      list_clusters: () => clusters,
    });
    render(App);

    const notice = await screen.findByText("Session unavailable");
    expect(notice.getAttribute("title")).toBe("Bad config (config_invalid)");
    expect(screen.queryByTestId("demo-banner")).toBeNull();
  });
});
