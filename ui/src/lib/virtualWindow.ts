// Which rows of a fixed-row-height list to put in the DOM. Pure, so it is unit-testable.

export type WindowRange = { start: number; end: number };

/**
 * The items visible in a viewport of `viewport` px scrolled to `scrollTop`, plus `overscan`
 * items either side. `end` is exclusive.
 */
export function visibleRange(
  count: number,
  rowHeight: number,
  scrollTop: number,
  viewport: number,
  overscan: number,
): WindowRange {
  if (count <= 0 || rowHeight <= 0) return { start: 0, end: 0 };
  const top = Math.max(0, scrollTop);
  const first = Math.min(count - 1, Math.floor(top / rowHeight));
  const last = Math.ceil((top + Math.max(0, viewport)) / rowHeight);
  return { start: Math.max(0, first - overscan), end: Math.min(count, last + overscan) };
}

/**
 * The scrollTop that brings item `index` fully into view below a sticky header of `header` px,
 * or `scrollTop` itself when it already is.
 */
export function scrollToReveal(
  index: number,
  rowHeight: number,
  scrollTop: number,
  viewport: number,
  header: number,
): number {
  const top = index * rowHeight; // in body coordinates; the body starts under the header
  const bottom = top + rowHeight;
  const visibleBody = Math.max(rowHeight, viewport - header);
  if (top < scrollTop) return top;
  if (bottom > scrollTop + visibleBody) return bottom - visibleBody;
  return scrollTop;
}
