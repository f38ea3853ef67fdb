import { svelte } from "@sveltejs/vite-plugin-svelte";
import { svelteTesting } from "@testing-library/svelte/vite";
import { defineConfig } from "vitest/config";

export default defineConfig({
  // Relative base: Tauri serves dist/ from tauri://localhost (http://tauri.localhost on Windows).
  base: "./",
  plugins: [svelte(), svelteTesting()],
  // Keep Tauri CLI output visible when it runs `npm run dev` for us.
  clearScreen: false,
  server: {
    port: 1420,
    strictPort: true,
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // WebKitGTK 2.4x (Linux), WKWebView (macOS) and WebView2 all handle this.
    target: ["es2021", "safari15"],
    // The polyfill would fetch() chunks, which the CSP's connect-src does not allow.
    modulePreload: { polyfill: false },
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.ts"],
    setupFiles: ["src/test/setup.ts"],
  },
});
