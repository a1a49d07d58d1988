import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // e2e tests start real host processes; keep files in parallel but bounded for 2-core CI.
    maxWorkers: 2,
  },
});
