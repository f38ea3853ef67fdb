import { afterEach, describe, expect, it, vi } from "vitest";
import { applyTheme, paletteFor } from "./theme";

/** A desktop whose dark preference can be switched, as matchMedia reports it. */
function desktop(dark: boolean) {
  const listeners = new Set<(e: MediaQueryListEvent) => void>();
  const query = {
    get matches() {
      return dark;
    },
    media: "(prefers-color-scheme: dark)",
    addEventListener: (_: string, f: (e: MediaQueryListEvent) => void) => listeners.add(f),
    removeEventListener: (_: string, f: (e: MediaQueryListEvent) => void) => listeners.delete(f),
  };
  const matchMedia = vi.fn((media: string) => {
    expect(media).toBe("(prefers-color-scheme: dark)");
    return query as unknown as MediaQueryList;
  });
  vi.stubGlobal("matchMedia", matchMedia);
  return {
    listeners,
    switchTo(next: boolean) {
      dark = next;
      listeners.forEach((f) => f({ matches: next } as MediaQueryListEvent));
    },
  };
}

const root = () => document.documentElement;

afterEach(() => {
  applyTheme("light");
  vi.unstubAllGlobals();
});

describe("the window's theme", () => {
  it("forces the palette the setting names, whatever the desktop says", () => {
    desktop(true);
    applyTheme("light");
    expect(root().dataset.theme).toBe("light");
    expect(root().dataset.themeSetting).toBe("light");
    desktop(false);
    applyTheme("dark");
    expect(root().dataset.theme).toBe("dark");
    expect(paletteFor("dark")).toBe("dark");
  });

  it("follows the desktop's preference with System, and its changes", () => {
    const d = desktop(true);
    applyTheme("system");
    expect(root().dataset.theme).toBe("dark");
    expect(root().dataset.themeSetting).toBe("system");
    d.switchTo(false);
    expect(root().dataset.theme).toBe("light");
    d.switchTo(true);
    expect(root().dataset.theme).toBe("dark");
  });

  it("stops following the desktop once a theme is forced", () => {
    const d = desktop(false);
    applyTheme("system");
    expect(d.listeners.size).toBe(1);
    applyTheme("light");
    expect(d.listeners.size).toBe(0);
    d.switchTo(true);
    expect(root().dataset.theme).toBe("light");
  });

  it("is light with System when the desktop says nothing", () => {
    vi.stubGlobal("matchMedia", undefined);
    applyTheme("system");
    expect(root().dataset.theme).toBe("light");
  });
});
