import { describe, expect, it } from "vitest";
import type { MoveSummary } from "./bindings/MoveSummary";
import { moveSummary } from "../test/fixtures";
import { dueMovesMessage, moveAction, moveIdentityLabel, moveIdentityShort, moveStatus } from "./moveView";

const move = (extra: Partial<MoveSummary> = {}) => moveSummary("aks-a", extra);

describe("moves as History and the banner word them", () => {
  it("says unfinished, running, moved or failed from Rust's outcome and due", () => {
    expect(moveStatus(move())).toBe("Unfinished");
    expect(moveStatus(move({ due: false }))).toBe("Running");
    expect(moveStatus(move({ outcome: "succeeded", due: false }))).toBe("Moved");
    expect(moveStatus(move({ outcome: "retirePending", due: false }))).toBe("Moved; old secrets retire later");
    expect(moveStatus(move({ outcome: "failed" }))).toBe("Failed");
  });

  it("offers Resume on a due move, Retry on a failed one, nothing on a finished or running one", () => {
    expect(moveAction(move())).toBe("Resume");
    expect(moveAction(move({ outcome: "retirePending", due: true }))).toBe("Resume");
    expect(moveAction(move({ outcome: "failed", due: true }))).toBe("Retry");
    expect(moveAction(move({ outcome: "retirePending", due: false }))).toBeNull();
    expect(moveAction(move({ outcome: "succeeded", due: false }))).toBeNull();
    expect(moveAction(move({ due: false }))).toBeNull();
  });

  it("words the banner: unfinished (failed counts) before secrets due, with the clusters' names", () => {
    expect(dueMovesMessage([])).toBe("");
    expect(dueMovesMessage([move()])).toMatch(/^A move to a managed identity did not finish \(aks-a\)\./);
    const two = dueMovesMessage([move(), move({ migrationId: "mig-2", name: "aks-b", outcome: "failed" })]);
    expect(two).toMatch(/^2 moves to a managed identity did not finish \(aks-a, aks-b\)\./);
    expect(dueMovesMessage([move({ outcome: "retirePending" })])).toBe(
      "A moved cluster's old service-principal secrets are due for removal (aks-a). Rekey removes them when you resume.",
    );
    expect(dueMovesMessage([move({ outcome: "retirePending" }), move({ name: "aks-b", outcome: "retirePending" })])).toMatch(
      /^2 moved clusters' old service-principal secrets are due/,
    );
  });

  it("names the identity a move goes to", () => {
    expect(moveIdentityLabel({ kind: "systemAssigned" })).toBe("System-assigned managed identity");
    expect(moveIdentityLabel({ kind: "userAssigned", id: "/x/id-a", create: true, location: "westeurope" })).toBe(
      "User-assigned identity /x/id-a (Rekey creates it)",
    );
    expect(moveIdentityShort({ kind: "systemAssigned" })).toBe("System-assigned");
    expect(moveIdentityShort({ kind: "userAssigned", id: "/subscriptions/s/x/userAssignedIdentities/id-a", create: false, location: "l" })).toBe(
      "User-assigned id-a",
    );
  });
});
