#!/usr/bin/env node
// The `arbfleet` command (`npm run arbfleet`, `npx arbfleet`): runs the CLI's bundle,
// cli/dist/arbfleet.mjs, built on first use and rebuilt whenever a source changed
// (bin/cli-bundle.mjs), with source maps, so a stack names the TypeScript line.
// ARBFLEET_CLI_TSX=1 runs cli/arbfleet.ts through tsx instead, as before the bundle.
import { pathToFileURL } from 'node:url';

if (process.env.ARBFLEET_CLI_TSX === '1') {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../cli/arbfleet.ts');
} else {
  const { ensureCliBundle } = await import('./cli-bundle.mjs');
  let bundle;
  try {
    bundle = ensureCliBundle();
  } catch (error) {
    process.stderr.write(`arbfleet: ${error.message}\n`);
    process.exit(1);
  }
  process.setSourceMapsEnabled(true);
  await import(pathToFileURL(bundle).href);
}
