// Expiry wording, dates and the 12-month timeline. Pure functions: the clock is always passed in.
import type { ExpiryBucket } from "./bindings/ExpiryBucket";
import type { Thresholds } from "./bindings/Thresholds";

/** Most urgent first: the order of the cards, the status sort and the "by bucket" grouping. */
export const BUCKETS: readonly ExpiryBucket[] = [
  "expired",
  "critical",
  "warning",
  "notice",
  "unknown",
  "ok",
  "autoRotated",
];

const URGENCY: Record<ExpiryBucket, number> = Object.fromEntries(BUCKETS.map((b, i) => [b, i])) as Record<
  ExpiryBucket,
  number
>;

/** 0 for the most urgent bucket (expired); larger is calmer. */
export function urgency(bucket: ExpiryBucket): number {
  return URGENCY[bucket] ?? BUCKETS.length;
}

const BUCKET_LABEL: Record<ExpiryBucket, string> = {
  expired: "Expired",
  critical: "Critical",
  warning: "Warning",
  notice: "Notice",
  ok: "OK",
  autoRotated: "Auto-rotated",
  unknown: "Unknown",
};

export function bucketLabel(bucket: ExpiryBucket): string {
  return BUCKET_LABEL[bucket] ?? bucket;
}

/**
 * ts-rs types Rust's i64 as `bigint`, but JSON delivers a plain number. Accept both so the UI
 * keeps working whichever way the bindings are generated.
 */
export function toNumber(value: bigint | number | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

export const DEFAULT_THRESHOLDS = { criticalDays: 7, warningDays: 30, noticeDays: 90 } as const;

export type NumericThresholds = { criticalDays: number; warningDays: number; noticeDays: number };

export function numericThresholds(t: Thresholds | null | undefined): NumericThresholds {
  return {
    criticalDays: toNumber(t?.criticalDays) ?? DEFAULT_THRESHOLDS.criticalDays,
    warningDays: toNumber(t?.warningDays) ?? DEFAULT_THRESHOLDS.warningDays,
    noticeDays: toNumber(t?.noticeDays) ?? DEFAULT_THRESHOLDS.noticeDays,
  };
}

/** What a card says next to its count, e.g. "≤ 7 days". Short: seven cards share 1280 px. */
export function bucketHint(bucket: ExpiryBucket, t: NumericThresholds): string {
  switch (bucket) {
    case "expired":
      return "Broken";
    case "critical":
      return `≤ ${t.criticalDays} days`;
    case "warning":
      return `≤ ${t.warningDays} days`;
    case "notice":
      return `≤ ${t.noticeDays} days`;
    case "ok":
      return `> ${t.noticeDays} days`;
    case "autoRotated":
      return "MSI";
    case "unknown":
      return "Unreadable";
  }
}

/** The longer explanation, for the card's tooltip. */
export function bucketDescription(bucket: ExpiryBucket, t: NumericThresholds): string {
  switch (bucket) {
    case "expired":
      return "Every credential that could be in use has expired: the cluster cannot reach Azure.";
    case "critical":
      return `Expires within ${t.criticalDays} days.`;
    case "warning":
      return `Expires within ${t.warningDays} days.`;
    case "notice":
      return `Expires within ${t.noticeDays} days.`;
    case "ok":
      return `More than ${t.noticeDays} days left.`;
    case "autoRotated":
      return "Managed identity: Azure rotates its credentials.";
    case "unknown":
      return "Rekey could not read this service principal's credentials.";
  }
}

/** Days left as shown in the table: "12", "today", "3 days ago"; "—" when not known. */
export function daysLeftLabel(days: number | null): string {
  if (days === null) return "—";
  if (days === 0) return "today";
  if (days < 0) return `${-days} ${days === -1 ? "day" : "days"} ago`;
  return String(days);
}

/** Days left in a narrow table column: "12", "today", "−3" (a minus sign: already expired). */
export function daysLeftShort(days: number | null): string {
  if (days === null) return "—";
  if (days === 0) return "today";
  return days < 0 ? `\u2212${-days}` : String(days);
}

const pad = (n: number) => String(n).padStart(2, "0");

/** Local calendar date, YYYY-MM-DD (unambiguous in every locale); "—" when missing or invalid. */
export function formatDate(iso: string | null): string {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "—";
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** Local date and time for tooltips, YYYY-MM-DD HH:MM. */
export function formatDateTime(iso: string | null): string {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "—";
  return `${formatDate(iso)} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** "just now", "5 min ago", "3 h ago", "1 day ago", "12 days ago". A future time counts as now. */
export function formatAge(iso: string, now: number): string | null {
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return null;
  const minutes = Math.floor(Math.max(0, now - then) / 60_000);
  if (minutes < 1) return "just now";
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.floor(hours / 24);
  return `${days} ${days === 1 ? "day" : "days"} ago`;
}

/** An inventory older than this is shown with a warning tone. */
export const STALE_AFTER_MS = 24 * 3600_000;

// ---- Timeline -------------------------------------------------------------------------------

/** The buckets an upcoming expiry can fall in, bottom to top of a timeline bar. */
export const TIMELINE_BUCKETS = ["critical", "warning", "notice", "ok"] as const satisfies readonly ExpiryBucket[];
export type TimelineBucket = (typeof TIMELINE_BUCKETS)[number];

export type TimelineMonth = {
  /** YYYY-MM (local time). */
  key: string;
  /** "Mar", or "Jan 2027" for the first month of a new year. */
  label: string;
  counts: Record<TimelineBucket, number>;
  total: number;
};

export type Timeline = { months: TimelineMonth[]; max: number; total: number };

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

function isTimelineBucket(b: ExpiryBucket): b is TimelineBucket {
  return (TIMELINE_BUCKETS as readonly ExpiryBucket[]).includes(b);
}

/** A row as the timeline reads it: its bucket, and its expiry in epoch milliseconds. */
export type TimelineInput = { row: { expiry: { bucket: ExpiryBucket } }; expiresMs: number | null };

/**
 * Clusters whose rating credential expires from `now` to the end of the 12th month (the
 * current month counts as the first), per local calendar month and bucket.
 */
export function expiryTimeline(rows: readonly TimelineInput[], now: number, months = 12): Timeline {
  const start = new Date(now);
  const y0 = start.getFullYear();
  const m0 = start.getMonth();
  const list: TimelineMonth[] = [];
  for (let i = 0; i < months; i++) {
    const d = new Date(y0, m0 + i, 1);
    const month = d.getMonth();
    const label = i > 0 && month === 0 ? `${MONTHS[month]} ${d.getFullYear()}` : MONTHS[month]!;
    list.push({
      key: `${d.getFullYear()}-${pad(month + 1)}`,
      label,
      counts: { critical: 0, warning: 0, notice: 0, ok: 0 },
      total: 0,
    });
  }
  const end = new Date(y0, m0 + months, 1).getTime();
  let total = 0;
  for (const { row, expiresMs: t } of rows) {
    const bucket = row.expiry.bucket;
    if (t === null || t < now || t >= end || !isTimelineBucket(bucket)) continue;
    const d = new Date(t);
    const slot = list[(d.getFullYear() - y0) * 12 + d.getMonth() - m0];
    if (!slot) continue;
    slot.counts[bucket] += 1;
    slot.total += 1;
    total += 1;
  }
  const max = list.reduce((m, s) => Math.max(m, s.total), 0);
  return { months: list, max, total };
}
