// Runs before every test file (jsdom environment).
// @testing-library/svelte's Vite plugin already unmounts rendered components after each test.
import { clearMocks } from "@tauri-apps/api/mocks";
import { afterEach } from "vitest";

// mockIPC installs window.__TAURI_INTERNALS__; drop it so tests can't leak handlers into each other.
afterEach(() => {
  clearMocks();
});
