import { render, screen } from "@testing-library/svelte";
import { tick } from "svelte";
import { describe, expect, it } from "vitest";
import ResumeBanner from "./ResumeBanner.svelte";

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("ResumeBanner", () => {
  it("reads its list again when its reload key changes (a run that ended may have held a retirement)", async () => {
    const lists: unknown[][] = [[], ["r-1"]];
    let calls = 0;
    const props = {
      testId: "held",
      resumeTestId: "open",
      load: async () => lists[Math.min(calls++, lists.length - 1)],
      message: (due: unknown[]) => `${due.length} held`,
      running: false,
      resume: () => {},
      reloadKey: true as unknown,
    };
    const { rerender } = render(ResumeBanner, props);
    await settle();
    expect(screen.queryByTestId("held")).toBeNull();
    await rerender({ reloadKey: false });
    await tick();
    await settle();
    expect(screen.getByTestId("held").textContent).toContain("1 held");
    expect(calls).toBe(2);
  });
});
