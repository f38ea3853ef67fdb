// `npm run bench`: the UI benchmark. Separate from `npm test`, which measures nothing.
import { svelte } from "@sveltejs/vite-plugin-svelte";
import { svelteTesting } from "@testing-library/svelte/vite";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [svelte(), svelteTesting()],
  test: {
    environment: "jsdom",
    include: ["src/bench/**/*.bench.ts"],
    setupFiles: ["src/test/setup.ts"],
    // Print the figures as they are measured, not as captured test output.
    disableConsoleIntercept: true,
    testTimeout: 300_000,
    reporters: ["dot"],
  },
});
