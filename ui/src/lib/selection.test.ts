import { describe, expect, it } from "vitest";
import {
  EMPTY_TENANT,
  HOME_TENANT,
  OTHER_TENANT,
  SUB_DATA,
  SUB_DEV,
  SUB_PROD,
  subscriptions,
  tenants,
} from "../test/fixtures";
import {
  buildTree,
  checkedFromSelection,
  selectionFromChecked,
  tenantState,
  toggleSubscription,
  toggleTenant,
} from "./selection";

const tree = buildTree(tenants, subscriptions, HOME_TENANT);
const node = (id: string) => tree.find((t) => t.tenantId === id)!;
const ALL = { tenants: [], subscriptions: [] };

describe("buildTree", () => {
  it("groups subscriptions under tenants, sorted by name, with readable labels", () => {
    expect(tree.map((t) => [t.label, t.detail, t.subscriptions.map((s) => s.displayName)])).toEqual([
      ["Contoso", "contoso.onmicrosoft.com", ["Contoso Dev", "Contoso Production"]],
      ["empty.onmicrosoft.com", null, []],
      ["Fabrikam", "fabrikam.onmicrosoft.com", ["Fabrikam Analytics"]],
    ]);
  });

  it("puts a subscription without tenant under the home tenant and an unknown tenant in its own node", () => {
    const odd = buildTree(
      tenants.slice(0, 1),
      [
        { subscriptionId: "s1", displayName: "No tenant", tenantId: null, state: null },
        { subscriptionId: "s2", displayName: "Elsewhere", tenantId: "dddddddd-0000-4000-8000-000000000000", state: null },
      ],
      HOME_TENANT,
    );
    expect(odd.map((t) => [t.tenantId, t.subscriptions.map((s) => s.subscriptionId)])).toEqual([
      [HOME_TENANT, ["s1"]],
      ["dddddddd-0000-4000-8000-000000000000", ["s2"]],
    ]);
  });
});

describe("selection round trip", () => {
  it("an empty selection ticks everything and saves as empty again", () => {
    const checked = checkedFromSelection(tree, ALL);
    expect([...checked.subscriptions].sort()).toEqual([SUB_PROD, SUB_DEV, SUB_DATA].sort());
    expect(tree.map((t) => tenantState(t, checked))).toEqual(["checked", "checked", "checked"]);
    expect(selectionFromChecked(tree, checked)).toEqual(ALL);
  });

  it("a tenant filter keeps 'all subscriptions' of that tenant as an empty list", () => {
    const checked = checkedFromSelection(tree, { tenants: [HOME_TENANT], subscriptions: [] });
    expect(tenantState(node(OTHER_TENANT), checked)).toBe("unchecked");
    expect(selectionFromChecked(tree, checked)).toEqual({ tenants: [HOME_TENANT], subscriptions: [] });
  });

  it("unticking one subscription lists the rest explicitly and marks its tenant mixed", () => {
    const checked = toggleSubscription(SUB_DEV, checkedFromSelection(tree, ALL));
    expect(tenantState(node(HOME_TENANT), checked)).toBe("mixed");
    expect(selectionFromChecked(tree, checked)).toEqual({ tenants: [], subscriptions: [SUB_PROD, SUB_DATA] });
  });

  it("a tenant checkbox clears a full tenant and fills a partial one", () => {
    let checked = toggleSubscription(SUB_DEV, checkedFromSelection(tree, ALL));
    checked = toggleTenant(node(HOME_TENANT), checked);
    expect(tenantState(node(HOME_TENANT), checked)).toBe("checked");
    checked = toggleTenant(node(HOME_TENANT), checked);
    expect(tenantState(node(HOME_TENANT), checked)).toBe("unchecked");
    checked = toggleTenant(node(EMPTY_TENANT), checked);
    expect(selectionFromChecked(tree, checked)).toEqual({ tenants: [OTHER_TENANT], subscriptions: [] });
  });

  it("refuses to save nothing, which would mean everything", () => {
    let checked = checkedFromSelection(tree, ALL);
    for (const t of tree) checked = toggleTenant(t, checked);
    expect(selectionFromChecked(tree, checked)).toBeNull();
  });
});
