// Bundles the engine's entrypoint and health check into engine-task/dist/ for the container image
// (and for anyone who wants to run the engine without tsx): `node engine-task/build.mjs`, from the
// repository root (or a folder laid out like it: paths are taken from the working directory).
// Everything is bundled except better-sqlite3 (native), which dist/package.json declares at the
// version package.json pins: the image installs exactly that (engine-task/stage-image.sh), nothing
// else from node_modules. The packages it inlines are listed in engine-task/bundle-packages.json,
// which the image's build stage installs (and nothing else of package.json's dependencies): the
// build fails when the list and the bundle's inputs disagree.
// The build itself (esbuild's settings, files written whole, the build record the local fleet's
// freshness check reads) is core/local/bundle-build.mjs, shared with the CLI's bundle.
import { readFileSync } from 'node:fs';
import { build } from 'esbuild';
import { buildBundle, EXTERNAL } from '../core/local/bundle-build.mjs';
import { ENGINE_BUNDLE } from '../core/local/bundle-freshness.mjs';

/**
 * AWS clients the engine never calls (it talks to DynamoDB alone, through core/aws/dynamodb-client.ts):
 * the build fails if one is inlined, e.g. because an engine module imported core/aws/aws-clients.ts
 * (all four clients) instead of the DynamoDB one. Each weighs 0.1 to 0.4 MB of the bundle.
 */
const NEVER_INLINED = ['@aws-sdk/client-ecs', '@aws-sdk/client-s3', '@aws-sdk/client-sqs'];

/** Refuses a bundle that inlines a client it never calls or packages bundle-packages.json does not list; returns dist/package.json. */
function checkInlined(metafile) {
  const pinned = JSON.parse(readFileSync('package.json', 'utf8')).dependencies ?? {};
  const inlined = new Set();
  for (const input of Object.keys(metafile.inputs)) {
    const match = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (match && pinned[match[1]]) inlined.add(match[1]);
  }
  const unwanted = NEVER_INLINED.filter((name) => Object.keys(metafile.inputs).some((input) => input.includes(`node_modules/${name}/`)));
  if (unwanted.length > 0) {
    const importers = Object.entries(metafile.inputs)
      .filter(([input]) => !input.includes('node_modules/'))
      .filter(([, { imports }]) => imports.some((i) => i.path.includes('core/aws/aws-clients') || i.path.includes('core/aws/control-plane-clients')))
      .map(([input]) => input);
    throw new Error(
      `engine-task/build.mjs: the engine bundle inlines ${JSON.stringify(unwanted)}, clients the engine never calls (NEVER_INLINED); expected only @aws-sdk/client-dynamodb: build its clients with core/aws/dynamodb-client.ts (importers of the wider client sets: ${JSON.stringify(importers)})`,
    );
  }

  const listed = JSON.parse(readFileSync('engine-task/bundle-packages.json', 'utf8'));
  const found = [...inlined].sort();
  if (JSON.stringify(found) !== JSON.stringify([...listed].sort())) {
    throw new Error(
      `engine-task/build.mjs: the bundle inlines ${JSON.stringify(found)} of package.json's dependencies, but engine-task/bundle-packages.json (what the image's build stage installs) lists ${JSON.stringify(listed)}: make the file say what the bundle inlines`,
    );
  }

  const dependencies = Object.fromEntries(
    EXTERNAL.map((name) => {
      if (!pinned[name]) throw new Error(`engine-task/build.mjs: external ${name} is not in package.json's dependencies`);
      return [name, pinned[name]];
    }),
  );
  const manifest = { name: 'arbfleet-engine', private: true, type: 'module', dependencies };
  return { [`${ENGINE_BUNDLE.outdir}/package.json`]: `${JSON.stringify(manifest, null, 2)}\n` };
}

await buildBundle(build, {
  root: process.cwd(),
  bundle: ENGINE_BUNDLE,
  entryPoints: { main: 'engine-task/src/main.ts', healthcheck: 'engine-task/src/healthcheck.ts' },
  buildFiles: ['engine-task/build.mjs', 'engine-task/bundle-packages.json', 'core/local/bundle-freshness.mjs'],
  check: checkInlined,
});
