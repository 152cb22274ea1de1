#!/usr/bin/env node
// The `arbfleet` command (`npm run arbfleet`, `npx arbfleet`): runs the CLI's bundle,
// cli/dist/arbfleet.mjs (cli/build.mjs), built on first use and rebuilt whenever a file it was
// built from changed, one process building while others wait (core/local/bundle-freshness.mjs,
// the engine bundle's check and lock too), with source maps, so a stack names the TypeScript line.
// ARBFLEET_CLI_TSX=1 runs cli/arbfleet.ts through tsx instead, as before the bundle.
import { enableCompileCache } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

if (process.env.ARBFLEET_CLI_TSX === '1') {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../cli/arbfleet.ts');
} else {
  const { CLI_BUNDLE, ensureBundle } = await import('../core/local/bundle-freshness.mjs');
  let bundle;
  try {
    bundle = (await ensureBundle(CLI_BUNDLE, fileURLToPath(new URL('../', import.meta.url)))).main;
  } catch (error) {
    process.stderr.write(`arbfleet: ${error.message}\n`);
    process.exit(1);
  }
  process.setSourceMapsEnabled(true);
  // Source maps on before the bundle loads: Node maps the stacks of modules loaded while they are
  // on, not of those loaded before (turned on later, a stack names the bundle's lines).
  // V8's code for the bundle's files kept on disk across starts (Node's default folder;
  // NODE_COMPILE_CACHE and NODE_DISABLE_COMPILE_CACHE are honoured; NODE_DEBUG_NATIVE=COMPILE_CACHE
  // shows each file's cache "accepted"): a start does not compile them again.
  enableCompileCache?.();
  await import(pathToFileURL(bundle).href);
}
