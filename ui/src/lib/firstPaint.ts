// The startup benchmark's marks (scripts/bench-startup): the page notes when its steps happened
// (ms since its time origin), and once per window, on the first frame that shows the dashboard's
// table with rows, Rust is told, with those notes (it logs them only while benchmarking).
import { dashboardPainted, type PageTimings } from "./api";

const MAX_MARKS = 12;
const marks: PageTimings["marks"] = [];
// The first painted rows were seen (the report is on its way), and the report was sent.
let reported = false;
let sent = false;

/** Notes the first time `name` happened, until the report is sent (later ones are not startup). */
export function pageMark(name: string): void {
  if (sent || typeof performance === "undefined" || marks.length >= MAX_MARKS) return;
  if (!marks.some((m) => m.name === name)) marks.push({ name, atMs: Math.round(performance.now()) });
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
    pageMark("frame");
    setTimeout(() => {
      sent = true;
      dashboardPainted(rows, cached, { originMs: performance.timeOrigin, marks }).catch(() => {
        // Only a benchmark reads it: nothing to show.
      });
    }, 0);
  });
}
