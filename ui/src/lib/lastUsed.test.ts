import { render, within } from "@testing-library/svelte";
import { describe, expect, it, vi } from "vitest";
import DetailDrawer from "./components/DetailDrawer.svelte";
import { formatDateTime } from "./expiry";
import { anyUsageRead, lastUsedView } from "./lastUsed";
import { clusters, credential } from "../test/fixtures";

const NOW = Date.parse("2030-06-01T12:00:00Z");

describe("last used", () => {
  it("words each answer of the sign-in activity report", () => {
    const at = "2030-05-29T12:00:00Z";
    expect(lastUsedView({ kind: "at", at }, NOW)).toEqual({
      text: "3 days ago",
      title: `Last signed in ${formatDateTime(at)}`,
      kind: "at",
    });
    expect(lastUsedView({ kind: "notSeen" }, NOW).text).toBe("Not seen");
    expect(lastUsedView({ kind: "unknown", reason: "No Entra ID P1 licence" }, NOW)).toEqual({
      text: "Usage unknown",
      title: "No Entra ID P1 licence",
      kind: "unknown",
    });
    expect(lastUsedView(null, NOW).text).toBe("—");
  });

  it("applies the caveat only where the report was read", () => {
    expect(anyUsageRead([null, { kind: "unknown", reason: "403" }])).toBe(false);
    expect(anyUsageRead([{ kind: "unknown", reason: "403" }, { kind: "notSeen" }])).toBe(true);
  });

  it("is shown for each credential in the cluster's drawer, with the caveat once", () => {
    const prod = clusters.find((c) => c.name === "aks-prod-weu")!;
    const sp = prod.spClientId!;
    const row = {
      ...prod,
      credentials: [
        credential(sp, "key-used", 30, { lastUsed: { kind: "at", at: "2030-06-01T09:00:00Z" } }),
        credential(sp, "key-quiet", 60, { lastUsed: { kind: "notSeen" } }),
        credential(sp, "key-blind", 90, { lastUsed: { kind: "unknown", reason: "Graph answered 403: AuditLog.Read.All" } }),
      ],
    };
    const { getByTestId, getAllByTestId } = render(DetailDrawer, { row, now: NOW, onClose: vi.fn() });
    const table = within(getByTestId("credential-table"));
    expect(table.getByRole("columnheader", { name: "Last used" })).toBeTruthy();
    const cell = (key: string) =>
      within(getAllByTestId("credential-row").find((r) => r.dataset.keyId === key)!).getByTestId("last-used");
    expect(cell("key-used").textContent).toBe("3 h ago");
    expect(cell("key-quiet").textContent).toBe("Not seen");
    expect(cell("key-blind").textContent).toBe("Usage unknown");
    expect(cell("key-blind").title).toBe("Graph answered 403: AuditLog.Read.All");
    expect(getAllByTestId("usage-caveat")).toHaveLength(1);
  });
});
