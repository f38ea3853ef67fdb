// The startup benchmark's mark (scripts/bench-startup): once per window, on the first frame that
// shows the dashboard's table with rows, Rust is told (it logs the time only while benchmarking).
import { dashboardPainted } from "./api";

let reported = false;

/** Tells Rust, once, after the frame that drew the first of `rows` rows is on screen. */
export function reportFirstPaint(rows: number, cached: boolean): void {
  if (reported || rows === 0) return;
  reported = true;
  if (typeof requestAnimationFrame !== "function") return;
  // The rows are in the DOM when this runs; the callback of the next frame runs before it is
  // painted, and a task queued from it runs once that frame is on screen.
  requestAnimationFrame(() => {
    setTimeout(() => {
      dashboardPainted(rows, cached).catch(() => {
        // Only a benchmark reads it: nothing to show.
      });
    }, 0);
  });
}
