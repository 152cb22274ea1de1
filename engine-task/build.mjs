// Bundles the engine's entrypoint and health check into engine-task/dist/ for the container image
// (and for anyone who wants to run the engine without tsx). Only better-sqlite3 stays external.
import { build } from 'esbuild';

await build({
  entryPoints: { main: 'engine-task/src/main.ts', healthcheck: 'engine-task/src/healthcheck.ts' },
  outdir: 'engine-task/dist',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'esm',
  sourcemap: true,
  external: ['better-sqlite3'],
  banner: { js: "import { createRequire as __arbfleetRequire } from 'node:module'; const require = __arbfleetRequire(import.meta.url);" },
  logLevel: 'warning',
});
