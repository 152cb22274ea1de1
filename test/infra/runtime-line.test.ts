import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LAMBDA_BUNDLE_TARGET, LAMBDA_RUNTIME } from '../../infra/constructs/control-plane.js';
import { NODE, shippedLine } from '../../scripts/node-runtime.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');
const packageJson = JSON.parse(read('package.json')) as { engines?: { node?: string }; devDependencies: Record<string, string> };
const LINE = shippedLine(packageJson);
const major = (version: string) => Number(/^\D*(\d+)/.exec(version)?.[1]);

/** Every capture of `pattern` in `file`, each with the line it stands on; the file must name one. */
function named(file: string, pattern: RegExp): { line: number; major: number }[] {
  const found = read(file)
    .split('\n')
    .flatMap((text, i) => [...text.matchAll(pattern)].map((m) => ({ line: i + 1, major: Number(m[1]) })));
  if (found.length === 0) throw new Error(`${file}: expected it to name a Node line matching ${pattern}, found none`);
  return found;
}

describe(`one Node.js line for the tests, the Lambdas and the engine image: package.json engines.node ${JSON.stringify(packageJson.engines?.node)}`, () => {
  it('the tests run on it (scripts/node-runtime.mjs brings it when the machine has another line)', () => {
    expect(
      major(process.versions.node),
      `this test runs on Node ${process.version} (${process.execPath}): run it through npm (npm test, npx vitest), whose node_modules/.bin/node is Node ${NODE.version} after npm ci`,
    ).toBe(LINE);
  });

  it('the Node release the install brings, and @types/node, are of it', () => {
    expect(major(NODE.version), 'scripts/node-runtime.mjs NODE.version').toBe(LINE);
    expect(major(packageJson.devDependencies['@types/node'] ?? ''), 'package.json devDependencies @types/node').toBe(LINE);
  });

  it('the Lambdas run on it and their bundles target it (infra/constructs/control-plane.ts)', () => {
    expect(LAMBDA_RUNTIME.name).toBe(`nodejs${LINE}.x`);
    expect(LAMBDA_BUNDLE_TARGET).toBe(`node${LINE}`);
  });

  it.each([
    ['engine-task/Dockerfile', /^FROM node:(\d+)\b/g],
    ['core/local/bundle-build.mjs', /target: 'node(\d+)'/g],
    ['scripts/measure-live-clients.mjs', /target: 'node(\d+)'/g],
    ['test/support/lambda-bundle.ts', /AWS_Lambda_nodejs(\d+)\.x/g],
  ])('%s names it wherever it names a Node line', (file, pattern) => {
    for (const { line, major } of named(file, pattern)) expect(major, `${file}:${line}`).toBe(LINE);
  });
});
