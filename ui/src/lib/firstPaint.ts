// The startup benchmark's marks (scripts/bench-startup): the page notes when its steps happened
// (ms since its time origin), and once per window, on the first frame that shows the dashboard's
// table with rows, Rust is told, with those notes (it logs them only while benchmarking).
import { dashboardPainted, type PageTimings } from "./api";

const MAX_MARKS = 12;
const marks: { name: string; atMs: number }[] = [];
let reported = false;

function now(): number | null {
  return typeof performance !== "undefined" && typeof performance.now === "function" ? performance.now() : null;
}

/** Notes the first time `name` happened (later ones are not startup). */
export function pageMark(name: string): void {
  const at = now();
  if (reported || at === null || marks.length >= MAX_MARKS || marks.some((m) => m.name === name)) return;
  marks.push({ name, atMs: Math.round(at) });
}

/** Tells Rust, once, after the frame that drew the first of `rows` rows is on screen. */
export function reportFirstPaint(rows: number, cached: boolean): void {
  if (reported || rows === 0) return;
  pageMark("rows in the DOM");
  reported = true;
  if (typeof requestAnimationFrame !== "function") return;
  // The rows are in the DOM when this runs; the callback of the next frame runs before it is
  // painted, and a task queued from it runs once that frame is on screen.
  requestAnimationFrame(() => {
    const frame = now();
    setTimeout(() => {
      const page: PageTimings = {
        originMs: performance.timeOrigin,
        marks: [...marks, ...(frame === null ? [] : [{ name: "frame", atMs: Math.round(frame) }])],
      };
      dashboardPainted(rows, cached, page).catch(() => {
        // Only a benchmark reads it: nothing to show.
      });
    }, 0);
  });
}
