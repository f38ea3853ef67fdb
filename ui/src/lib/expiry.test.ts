import { describe, expect, it } from "vitest";
import type { ExpiryBucket } from "./bindings/ExpiryBucket";
import {
  BUCKETS,
  bucketHint,
  bucketLabel,
  daysLeftLabel,
  daysLeftShort,
  expiryTimeline,
  formatAge,
  formatDate,
  numericThresholds,
  toNumber,
  urgency,
} from "./expiry";

const HOUR = 3_600_000;

describe("buckets", () => {
  it("orders buckets most urgent first and labels them for people", () => {
    expect(BUCKETS).toEqual(["expired", "critical", "warning", "notice", "unknown", "ok", "autoRotated"]);
    expect(urgency("expired")).toBeLessThan(urgency("critical"));
    expect(urgency("unknown")).toBeLessThan(urgency("ok"));
    expect(BUCKETS.map(bucketLabel)).toEqual([
      "Expired",
      "Critical",
      "Warning",
      "Notice",
      "Unknown",
      "OK",
      "Auto-rotated",
    ]);
  });

  it("describes the thresholds the back end used", () => {
    const t = numericThresholds({ criticalDays: 14, warningDays: 45, noticeDays: 120 });
    expect(t).toEqual({ criticalDays: 14, warningDays: 45, noticeDays: 120 });
    expect(bucketHint("critical", t)).toBe("≤ 14 days");
    expect(bucketHint("warning", t)).toBe("≤ 45 days");
    expect(bucketHint("notice", t)).toBe("≤ 120 days");
    expect(bucketHint("ok", t)).toBe("> 120 days");
    expect(numericThresholds(null)).toEqual({ criticalDays: 7, warningDays: 30, noticeDays: 90 });
  });

  it("accepts i64 values as JSON numbers or bigints", () => {
    expect(toNumber(5)).toBe(5);
    expect(toNumber(5n)).toBe(5);
    expect(toNumber(-3n)).toBe(-3);
    expect(toNumber(null)).toBeNull();
    expect(toNumber(undefined)).toBeNull();
  });
});

describe("labels", () => {
  it("says days left, today, or how long ago", () => {
    expect(daysLeftLabel(12)).toBe("12");
    expect(daysLeftLabel(0)).toBe("today");
    expect(daysLeftLabel(-1)).toBe("1 day ago");
    expect(daysLeftLabel(-5)).toBe("5 days ago");
    expect(daysLeftLabel(null)).toBe("—");
    expect(daysLeftShort(12)).toBe("12");
    expect(daysLeftShort(0)).toBe("today");
    expect(daysLeftShort(-5)).toBe("\u22125");
    expect(daysLeftShort(null)).toBe("—");
  });

  it("formats the age of an inventory", () => {
    const now = Date.parse("2026-03-10T12:00:00Z");
    const ago = (ms: number) => new Date(now - ms).toISOString();
    expect(formatAge(ago(20_000), now)).toBe("just now");
    expect(formatAge(ago(5 * 60_000), now)).toBe("5 min ago");
    expect(formatAge(ago(3 * HOUR), now)).toBe("3 h ago");
    expect(formatAge(ago(3 * HOUR - 1), now)).toBe("2 h ago");
    expect(formatAge(ago(25 * HOUR), now)).toBe("1 day ago");
    expect(formatAge(ago(24 * 12 * HOUR), now)).toBe("12 days ago");
    // A clock slightly behind the back end's is not "in the future".
    expect(formatAge(ago(-60_000), now)).toBe("just now");
    expect(formatAge("not a date", now)).toBeNull();
  });

  it("formats dates as local YYYY-MM-DD", () => {
    expect(formatDate(new Date(2026, 2, 4, 15, 30).toISOString())).toBe("2026-03-04");
    expect(formatDate(null)).toBe("—");
    expect(formatDate("garbage")).toBe("—");
  });
});

describe("expiryTimeline", () => {
  const now = new Date(2026, 2, 10, 12, 0).getTime(); // 10 March 2026, local time
  const at = (y: number, m: number, d: number) => new Date(y, m, d, 9, 0).getTime();
  const row = (bucket: ExpiryBucket, expiresMs: number | null) => ({ row: { expiry: { bucket } }, expiresMs });

  it("has 12 months from the current one, labelling the turn of the year", () => {
    const t = expiryTimeline([], now);
    expect(t.months.map((m) => m.key)).toEqual([
      "2026-03",
      "2026-04",
      "2026-05",
      "2026-06",
      "2026-07",
      "2026-08",
      "2026-09",
      "2026-10",
      "2026-11",
      "2026-12",
      "2027-01",
      "2027-02",
    ]);
    expect(t.months[0]!.label).toBe("Mar");
    expect(t.months[10]!.label).toBe("Jan 2027");
    expect(t.total).toBe(0);
    expect(t.max).toBe(0);
  });

  it("counts upcoming expiries per month and bucket, and nothing past, beyond or undated", () => {
    const t = expiryTimeline(
      [
        row("critical", at(2026, 2, 14)),
        row("warning", at(2026, 2, 30)),
        row("warning", at(2026, 3, 2)),
        row("notice", at(2026, 4, 20)),
        row("ok", at(2027, 1, 28)), // last day of the 12th month
        row("ok", at(2027, 2, 1)), // 13th month: beyond
        row("expired", at(2026, 2, 1)), // past
        row("critical", at(2026, 2, 9)), // this month, but already past
        row("autoRotated", null),
        row("unknown", null),
      ],
      now,
    );
    const byKey = Object.fromEntries(t.months.map((m) => [m.key, m]));
    expect(byKey["2026-03"]!.counts).toEqual({ critical: 1, warning: 1, notice: 0, ok: 0 });
    expect(byKey["2026-04"]!.counts).toEqual({ critical: 0, warning: 1, notice: 0, ok: 0 });
    expect(byKey["2026-05"]!.total).toBe(1);
    expect(byKey["2027-02"]!.counts.ok).toBe(1);
    expect(t.total).toBe(5);
    expect(t.max).toBe(2);
  });
});
