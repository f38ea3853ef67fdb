// The window's theme. The root element's `data-theme` always says the palette in force ("light"
// or "dark"), which is all the stylesheet reads (tokens.css): a forced setting sets it; System
// follows the desktop through `prefers-color-scheme`, and keeps following it when the desktop
// changes. `data-theme-setting` keeps the setting itself (what the Settings page shows).
import type { Theme } from "./bindings/Theme";

export type Palette = "light" | "dark";

const DARK_QUERY = "(prefers-color-scheme: dark)";

// The listener of the desktop's preference while the setting is System.
let stopFollowing: (() => void) | null = null;

function desktopQuery(): MediaQueryList | null {
  return typeof window.matchMedia === "function" ? window.matchMedia(DARK_QUERY) : null;
}

function paint(palette: Palette) {
  document.documentElement.dataset.theme = palette;
}

/** The palette a setting gives now: the forced one, or the desktop's for System (light if unknown). */
export function paletteFor(theme: Theme): Palette {
  if (theme !== "system") return theme;
  return desktopQuery()?.matches ? "dark" : "light";
}

/** Applies a theme setting to the window at once; System keeps following the desktop. */
export function applyTheme(theme: Theme) {
  stopFollowing?.();
  stopFollowing = null;
  document.documentElement.dataset.themeSetting = theme;
  paint(paletteFor(theme));
  if (theme !== "system") return;
  const query = desktopQuery();
  if (!query) return;
  const follow = (e: MediaQueryListEvent) => paint(e.matches ? "dark" : "light");
  query.addEventListener("change", follow);
  stopFollowing = () => query.removeEventListener("change", follow);
}
