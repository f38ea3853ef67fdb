import { afterEach, describe, expect, it } from "vitest";
import { focusLost, refocus } from "./focus";

afterEach(() => {
  document.body.innerHTML = "";
});

describe("refocus", () => {
  it("gives a lost focus to the first heading of the container", () => {
    document.body.innerHTML = `<section id="page"><p>text</p><h2>Pre-flight checks</h2><button>Next</button></section>`;
    expect(focusLost()).toBe(true);
    refocus(document.getElementById("page"));
    const heading = document.querySelector("h2");
    expect(document.activeElement).toBe(heading);
    expect(heading?.getAttribute("tabindex")).toBe("-1");
  });

  it("leaves a focus that is still somewhere", () => {
    document.body.innerHTML = `<section id="page"><h2>Plan</h2><button id="b">Next</button></section>`;
    const button = document.getElementById("b") as HTMLButtonElement;
    button.focus();
    refocus(document.getElementById("page"));
    expect(document.activeElement).toBe(button);
  });
});
