// Bundles the CLI (cli/arbfleet.ts and everything it imports, node_modules included, except the
// native better-sqlite3) into cli/dist/arbfleet.mjs, which bin/arbfleet.mjs runs: a start without
// tsx compiling some 200 TypeScript files (issue 19: the CLI's start was 2.8 s of a 9 s backtest).
// Split (esbuild's ESM code splitting): the entry holds the command tree (cli/program.ts) and
// commander; each command's code, which cli/program.ts loads with `import()` when the command runs,
// goes to chunks beside it (cli/dist/<name>-<hash>.mjs), so `--version`, `--help` and each command
// evaluate only what they use (the 3 MB single bundle took ~0.2 s to evaluate at every start).
// bin/arbfleet.mjs runs this on first use and again whenever an input changed
// (core/local/bundle-freshness.mjs); by hand: `node cli/build.mjs`. The bundle sits two folders
// below the root, as the sources do, so their `new URL('../../…', import.meta.url)` paths
// (core/local/engine-bundle.ts's REPO_ROOT, the configs' JSON schema) name the same files.
// The build itself (esbuild's settings, files written whole, the build record) is
// core/local/bundle-build.mjs, shared with the engine's bundle.
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { buildBundle } from '../core/local/bundle-build.mjs';
import { CLI_BUNDLE } from '../core/local/bundle-freshness.mjs';

await buildBundle(build, {
  root: fileURLToPath(new URL('../', import.meta.url)),
  bundle: CLI_BUNDLE,
  entryPoints: { arbfleet: 'cli/arbfleet.ts' },
  buildFiles: ['cli/build.mjs', 'core/local/bundle-freshness.mjs'],
  splitting: true,
});
