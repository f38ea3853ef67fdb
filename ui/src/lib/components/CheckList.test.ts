import { render, screen } from "@testing-library/svelte";
import { createRawSnippet } from "svelte";
import { describe, expect, it } from "vitest";
import type { Check } from "../bindings/Check";
import CheckList from "./CheckList.svelte";

const summary = createRawSnippet(() => ({ render: () => "<strong>aks-prod-weu</strong>" }));

function show(checks: Check[]) {
  render(CheckList, { checks, summary, "data-testid": "checks" });
  return screen.getByTestId("checks") as HTMLDetailsElement;
}

describe("CheckList", () => {
  it("is closed when every check is OK, and says OK in its summary", () => {
    const list = show([
      { name: "provisioning state", level: "ok", detail: "Succeeded" },
      { name: "power state", level: "ok", detail: "Running" },
    ]);
    expect(list.open).toBe(false);
    expect(list.querySelector("summary")!.textContent).toContain("OK");
    expect(list.querySelector("summary")!.textContent).toContain("aks-prod-weu");
  });

  it("opens on anything not OK, shows the worst level, and lists every check with its level", () => {
    const list = show([
      { name: "provisioning state", level: "ok", detail: "Succeeded" },
      { name: "power state", level: "block", detail: "Stopped" },
      { name: "node re-image", level: "warn", detail: "3 nodes" },
    ]);
    expect(list.open).toBe(true);
    expect(list.querySelector("summary")!.textContent).toContain("Blocked");
    const rows = [...list.querySelectorAll("li")];
    expect(rows.map((r) => [r.dataset.level, r.textContent])).toEqual([
      ["ok", "OKprovisioning stateSucceeded"],
      ["block", "Blockedpower stateStopped"],
      ["warn", "Warningnode re-image3 nodes"],
    ]);
  });
});
