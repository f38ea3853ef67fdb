// The admin's choice of when a replaced secret goes — rotation's old secret, or the moved cluster's
// service principal's secrets — as both wizards ask it: starting from the settings' policy, and
// left to Rust's settings (null) while the grace period is empty. Rust checks the numbers.
import type { Retire } from "./bindings/Retire";
import type { Settings } from "./bindings/Settings";

export type RetireKind = Retire["kind"];

export class RetireChoice {
  kind = $state<RetireKind>("after");
  /** Empty until the settings arrive. */
  graceHours = $state("");

  reset() {
    this.kind = "after";
    this.graceHours = "";
  }

  /** The settings' retire policy as the starting choice. */
  fromSettings(s: Settings) {
    this.graceHours = String(s.retireGraceHours);
    this.kind = s.retirePolicy === "afterGrace" ? "after" : s.retirePolicy;
  }

  /** The policy chosen; null (the settings' policy, in Rust) while the grace period is empty. */
  value(): Retire | null {
    if (this.kind === "after") {
      const hours = this.graceHours.trim();
      return hours === "" ? null : { kind: "after", hours: Number(hours) };
    }
    return { kind: this.kind };
  }
}
