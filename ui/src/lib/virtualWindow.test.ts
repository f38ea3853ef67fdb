import { describe, expect, it } from "vitest";
import { scrollToReveal, visibleRange } from "./virtualWindow";

describe("visibleRange", () => {
  it("covers the viewport plus overscan, clamped to the list", () => {
    // 10 rows of 40 px fill a 400 px viewport.
    expect(visibleRange(10_000, 40, 0, 400, 5)).toEqual({ start: 0, end: 15 });
    expect(visibleRange(10_000, 40, 4_000, 400, 5)).toEqual({ start: 95, end: 115 });
    // A partly visible row at either edge counts.
    expect(visibleRange(10_000, 40, 4_020, 400, 0)).toEqual({ start: 100, end: 111 });
    expect(visibleRange(12, 40, 0, 400, 5)).toEqual({ start: 0, end: 12 });
  });

  it("stays inside the list when scrolled past its end or before its start", () => {
    expect(visibleRange(100, 40, 1_000_000, 400, 5)).toEqual({ start: 94, end: 100 });
    expect(visibleRange(100, 40, -50, 400, 0)).toEqual({ start: 0, end: 10 });
  });

  it("renders nothing for an empty list", () => {
    expect(visibleRange(0, 40, 0, 400, 5)).toEqual({ start: 0, end: 0 });
  });
});

describe("scrollToReveal", () => {
  // Viewport 400 px with a 34 px sticky header: 366 px of rows are visible.
  it("keeps the position when the row is already fully visible", () => {
    expect(scrollToReveal(3, 40, 0, 400, 34)).toBe(0);
    expect(scrollToReveal(100, 40, 3_900, 400, 34)).toBe(3_900);
  });

  it("scrolls up so a row above the viewport sits right under the header", () => {
    expect(scrollToReveal(10, 40, 2_000, 400, 34)).toBe(400);
  });

  it("scrolls down just enough for a row below the viewport", () => {
    // Row 20 ends at 840 px; 840 - 366 = 474.
    expect(scrollToReveal(20, 40, 0, 400, 34)).toBe(474);
  });
});
