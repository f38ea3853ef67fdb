// The account panel's tenant/subscription tree and its translation to and from `Selection`.
//
// Meaning of a `Selection` (shared with the back end): clusters are listed from the subscriptions
// whose tenant is in `tenants` AND whose id is in `subscriptions`, where an empty list means "all"
// (so subscriptions added later are included too).
//
// In the tree a tenant that has subscriptions is checked when any of them is; its checkbox is
// only a shortcut for all of them. A tenant without subscriptions has a checkbox of its own.
import type { Selection } from "./bindings/Selection";
import type { SubscriptionInfo } from "./bindings/SubscriptionInfo";
import type { TenantInfo } from "./bindings/TenantInfo";

export type TenantNode = {
  tenantId: string;
  /** Display name, else default domain, else the id. */
  label: string;
  /** The default domain when the label is the display name. */
  detail: string | null;
  subscriptions: SubscriptionInfo[];
};

const collator = new Intl.Collator(undefined, { sensitivity: "base", numeric: true });
// Lower-cased first: some WebKit builds ship without full ICU data and compare code points.
const byName = { compare: (a: string, b: string) => collator.compare(a.toLowerCase(), b.toLowerCase()) };

/**
 * Group subscriptions under their tenants. A subscription without a tenant id belongs to the
 * account's home tenant; one whose tenant is not listed gets a node of its own.
 */
export function buildTree(
  tenants: readonly TenantInfo[],
  subscriptions: readonly SubscriptionInfo[],
  homeTenantId: string,
): TenantNode[] {
  const nodes = new Map<string, TenantNode>();
  const node = (tenantId: string, info?: TenantInfo): TenantNode => {
    let found = nodes.get(tenantId.toLowerCase());
    if (!found) {
      const name = info?.displayName?.trim() || null;
      const domain = info?.defaultDomain?.trim() || null;
      found = {
        tenantId,
        label: name ?? domain ?? tenantId,
        detail: name && domain ? domain : null,
        subscriptions: [],
      };
      nodes.set(tenantId.toLowerCase(), found);
    }
    return found;
  };
  for (const t of tenants) node(t.tenantId, t);
  for (const s of subscriptions) node(s.tenantId ?? homeTenantId).subscriptions.push(s);
  const list = [...nodes.values()];
  for (const n of list) n.subscriptions.sort((a, b) => byName.compare(a.displayName, b.displayName));
  return list.sort((a, b) => byName.compare(a.label, b.label));
}

/** What is ticked: tenant ids (only meaningful for tenants without subscriptions) and subscription ids. */
export type Checked = { tenants: ReadonlySet<string>; subscriptions: ReadonlySet<string> };

const has = (list: readonly string[], id: string) =>
  list.length === 0 || list.some((x) => x.toLowerCase() === id.toLowerCase());

/** Tick what a saved selection includes. */
export function checkedFromSelection(tree: readonly TenantNode[], selection: Selection): Checked {
  const tenants = new Set<string>();
  const subscriptions = new Set<string>();
  for (const t of tree) {
    if (!has(selection.tenants, t.tenantId)) continue;
    tenants.add(t.tenantId);
    for (const s of t.subscriptions) {
      if (has(selection.subscriptions, s.subscriptionId)) subscriptions.add(s.subscriptionId);
    }
  }
  return { tenants, subscriptions };
}

export type TenantState = "checked" | "mixed" | "unchecked";

export function tenantState(tenant: TenantNode, checked: Checked): TenantState {
  if (tenant.subscriptions.length === 0) return checked.tenants.has(tenant.tenantId) ? "checked" : "unchecked";
  const on = tenant.subscriptions.filter((s) => checked.subscriptions.has(s.subscriptionId)).length;
  if (on === 0) return "unchecked";
  return on === tenant.subscriptions.length ? "checked" : "mixed";
}

/** Clicking a tenant: a fully ticked tenant is cleared, anything else becomes fully ticked. */
export function toggleTenant(tenant: TenantNode, checked: Checked): Checked {
  const on = tenantState(tenant, checked) !== "checked";
  const tenants = new Set(checked.tenants);
  const subscriptions = new Set(checked.subscriptions);
  if (on) tenants.add(tenant.tenantId);
  else tenants.delete(tenant.tenantId);
  for (const s of tenant.subscriptions) {
    if (on) subscriptions.add(s.subscriptionId);
    else subscriptions.delete(s.subscriptionId);
  }
  return { tenants, subscriptions };
}

export function toggleSubscription(subscriptionId: string, checked: Checked): Checked {
  const subscriptions = new Set(checked.subscriptions);
  if (subscriptions.has(subscriptionId)) subscriptions.delete(subscriptionId);
  else subscriptions.add(subscriptionId);
  return { tenants: checked.tenants, subscriptions };
}

export function includedTenants(tree: readonly TenantNode[], checked: Checked): TenantNode[] {
  return tree.filter((t) => tenantState(t, checked) !== "unchecked");
}

/**
 * The `Selection` to save, or `null` when nothing is ticked (which must not be saved: an empty
 * selection would mean "everything"). Lists collapse to [] when they cover everything.
 */
export function selectionFromChecked(tree: readonly TenantNode[], checked: Checked): Selection | null {
  const included = includedTenants(tree, checked);
  if (included.length === 0) return null;
  const candidates = included.flatMap((t) => t.subscriptions);
  const ticked = candidates.filter((s) => checked.subscriptions.has(s.subscriptionId));
  return {
    tenants: included.length === tree.length ? [] : included.map((t) => t.tenantId),
    subscriptions: ticked.length === candidates.length ? [] : ticked.map((s) => s.subscriptionId),
  };
}

/** True when both tick the same tenants and subscriptions (as far as they affect the selection). */
export function sameChecked(tree: readonly TenantNode[], a: Checked, b: Checked): boolean {
  return JSON.stringify(selectionFromChecked(tree, a)) === JSON.stringify(selectionFromChecked(tree, b));
}
