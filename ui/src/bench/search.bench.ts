// UI benchmark: a keystroke in the search box at 10,000 clusters. Prints figures, asserts none.
//
// 1. The pure path a keystroke runs (filter, sort, group, card counts, timeline), as Dashboard
//    derives it.
// 2. The same keystroke through the rendered Dashboard in jsdom: input event, Svelte update, DOM
//    patch of the virtualised rows. jsdom is slower than a real web view, so this is an upper bound.
import { fireEvent as domFireEvent } from "@testing-library/dom";
import { render, screen } from "@testing-library/svelte";
import { flushSync } from "svelte";
import { it } from "vitest";
import { expiryTimeline } from "../lib/expiry";
import { DEFAULT_SORT, indexInventory, NO_FILTERS, queryView, ranking } from "../lib/inventoryQuery";
import Dashboard from "../pages/Dashboard.svelte";
import { demoStatus, inventory, mockBackend, pageProps } from "../test/fixtures";
import { syntheticClusters } from "../test/synthetic";

const ROWS = 10_000;
const KEYSTROKES = 200;
const TARGET_MS = 50;

/** What a user types: phrases typed a character at a time, then erased, until 200 keystrokes. */
function keystrokes(count: number): string[] {
  const phrases = ["aks-prod-weu-00421", "subscription 042", "sp-ml-12", "rg-edge", "uks 1.29", "zzz-no-match"];
  const out: string[] = [];
  for (let p = 0; out.length < count; p++) {
    const phrase = phrases[p % phrases.length]!;
    for (let i = 1; i <= phrase.length && out.length < count; i++) out.push(phrase.slice(0, i));
    for (let i = phrase.length - 1; i >= 0 && out.length < count; i--) out.push(phrase.slice(0, i));
  }
  return out;
}

function stats(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  return { median: at(0.5), p95: at(0.95), max: sorted[sorted.length - 1]! };
}

const ms = (n: number) => n.toFixed(1);

function report(label: string, samples: number[]) {
  const s = stats(samples);
  console.log(
    `${label}: median ${ms(s.median)} ms, p95 ${ms(s.p95)} ms, max ${ms(s.max)} ms (target < ${TARGET_MS} ms)`,
  );
}

it("search keystroke at 10,000 rows", async () => {
  const clusters = syntheticClusters(ROWS);
  const typed = keystrokes(KEYSTROKES);

  // Once per inventory (not per keystroke): index and the default order.
  const t0 = performance.now();
  const index = indexInventory(clusters);
  ranking(index, DEFAULT_SORT);
  const indexMs = performance.now() - t0;
  // Once per inventory and column: the first click on a header (later clicks reuse it).
  const t1 = performance.now();
  ranking(index, { key: "subscription", dir: "asc" });
  const firstSortMs = performance.now() - t1;

  const run = (text: string) => {
    const view = queryView(index, { ...NO_FILTERS, text }, DEFAULT_SORT, "none");
    expiryTimeline(view.scope, Date.now());
    return view;
  };
  for (const text of typed.slice(0, 20)) run(text); // warm up the JIT
  const pure: number[] = [];
  for (const text of typed) {
    const start = performance.now();
    run(text);
    pure.push(performance.now() - start);
  }

  const grouped: number[] = [];
  for (const text of typed) {
    const start = performance.now();
    const view = queryView(index, { ...NO_FILTERS, text }, DEFAULT_SORT, "subscription");
    expiryTimeline(view.scope, Date.now());
    grouped.push(performance.now() - start);
  }

  // The rendered page, in jsdom.
  mockBackend({ cached_inventory: () => inventory(clusters), refresh_inventory: () => new Promise(() => {}) });
  render(Dashboard, pageProps(demoStatus));
  await screen.findAllByTestId("cluster-row");
  const box = screen.getByRole("searchbox", { name: "Filter clusters" });
  const type = (text: string) => {
    domFireEvent.input(box, { target: { value: text } });
    flushSync();
  };
  for (const text of typed.slice(0, 20)) type(text);
  const rendered: number[] = [];
  let domRows = 0;
  for (const text of typed) {
    const start = performance.now();
    type(text);
    rendered.push(performance.now() - start);
    domRows = Math.max(domRows, document.querySelectorAll('[data-testid="cluster-row"]').length);
  }

  console.log(`\nUI benchmark, ${ROWS} synthetic clusters, ${KEYSTROKES} keystrokes`);
  console.log(`index + default sort, once per inventory: ${ms(indexMs)} ms`);
  console.log(`first sort by another column, once per inventory: ${ms(firstSortMs)} ms`);
  report(`search keystroke at ${ROWS} rows`, pure);
  report(`search keystroke at ${ROWS} rows, grouped by subscription`, grouped);
  report(`search keystroke at ${ROWS} rows, rendered Dashboard in jsdom`, rendered);
  console.log(`most cluster rows in the DOM at once: ${domRows} of ${ROWS}\n`);
});
