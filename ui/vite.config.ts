import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";

// The desktop app embeds `dist/` at build time (tauri.conf.json → build.frontendDist).
export default defineConfig({
  plugins: [react()],
  clearScreen: false,
  server: { port: 5173, strictPort: true },
  build: { target: "es2022", outDir: "dist", emptyOutDir: true },
  test: {
    environment: "jsdom",
    globals: true,
    setupFiles: ["src/test/setup.ts"],
    // Page tests render the whole page in jsdom: on a loaded 2-core machine one took 9 s
    // while passing in 0.5 s alone, so the limit only catches a hang.
    testTimeout: 30_000,
  },
});
