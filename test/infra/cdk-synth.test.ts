/**
 * The real thing, as a user runs it: `npx cdk synth` (the pinned CLI reading the pinned
 * aws-cdk-lib's cloud assembly) with no AWS credentials and no Docker, cdk-nag on as a validation
 * plugin, the six Lambdas bundled by the local esbuild; then cfn-lint over the template.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bareEnvironment } from '../support/cloud-assembly.js';
import { REPO_ROOT } from './support/synth-stack.js';

const run = promisify(execFile);
const outdir = mkdtempSync(path.join(tmpdir(), 'arbfleet-cdk-synth-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

interface AssetsManifest {
  files: Record<string, { source: { path: string; packaging: string } }>;
  dockerImages: Record<string, { source: { directory: string; dockerFile: string; platform: string } }>;
}

let synthOutput = '';

beforeAll(async () => {
  const { stdout, stderr } = await run('npx', ['cdk', 'synth', '--quiet', '--no-notices', '-c', 'nag=true', '-o', outdir], {
    cwd: REPO_ROOT,
    env: bareEnvironment(outdir),
    maxBuffer: 32 * 1024 * 1024,
    timeout: 110_000,
  });
  synthOutput = `${stdout}\n${stderr}`;
}, 120_000);

describe('npx cdk synth (no credentials, no Docker)', () => {
  it('writes the cloud assembly of the Arbfleet stack', () => {
    expect(existsSync(path.join(outdir, 'Arbfleet.template.json')), synthOutput).toBe(true);
    const manifest = JSON.parse(readFileSync(path.join(outdir, 'manifest.json'), 'utf8')) as { artifacts: Record<string, { type: string }> };
    expect(manifest.artifacts.Arbfleet?.type).toBe('aws:cloudformation:stack');
  });

  it('passes the validation plugins (cdk-nag AwsSolutions, CloudFormation rules)', () => {
    const report = JSON.parse(readFileSync(path.join(outdir, 'validation-report.json'), 'utf8')) as { pluginReports: { summary?: { status?: string } }[] };
    for (const plugin of report.pluginReports) expect(plugin.summary?.status).not.toBe('failure');
  });

  it('leaves the engine image to deploy time: a Docker asset from engine-task/Dockerfile, linux/arm64', () => {
    const assets = JSON.parse(readFileSync(path.join(outdir, 'Arbfleet.assets.json'), 'utf8')) as AssetsManifest;
    const images = Object.values(assets.dockerImages);
    expect(images.map((i) => ({ dockerFile: i.source.dockerFile, platform: i.source.platform }))).toEqual([
      { dockerFile: 'engine-task/Dockerfile', platform: 'linux/arm64' },
    ]);
  });

  it('bundles six ESM Lambdas with esbuild, each exporting its handler', async () => {
    const assets = JSON.parse(readFileSync(path.join(outdir, 'Arbfleet.assets.json'), 'utf8')) as AssetsManifest;
    const bundles = Object.values(assets.files)
      .map((f) => path.join(outdir, f.source.path))
      .filter((dir) => existsSync(path.join(dir, 'index.mjs')));
    expect(bundles).toHaveLength(6);
    for (const dir of bundles) {
      expect(readdirSync(dir).sort()).toEqual(['index.mjs', 'index.mjs.map']);
      // A fresh Node process, as Lambda's: the bundle must load on its own (no node_modules beside it).
      const { stdout } = await run(
        process.execPath,
        ['--input-type=module', '-e', `const m = await import(${JSON.stringify(path.join(dir, 'index.mjs'))}); process.stdout.write(typeof m.handler);`],
        {
          cwd: outdir,
          env: { PATH: process.env.PATH ?? '' },
        },
      );
      expect(stdout, dir).toBe('function');
    }
  }, 60_000);
});

describe('cfn-lint', () => {
  it('finds no error in the synthesised template', async () => {
    const { stdout: binDir } = await run('bash', [path.join(REPO_ROOT, 'scripts', 'python-tools.sh')], { cwd: REPO_ROOT, timeout: 110_000 });
    const cfnLint = path.join(binDir.trim(), 'cfn-lint');
    // Exit status is a bit mask (2 errors, 4 warnings, 8 informational): read the JSON instead.
    const result = await run(cfnLint, ['--format', 'json', path.join(outdir, 'Arbfleet.template.json')], { maxBuffer: 16 * 1024 * 1024 }).catch(
      (error: { stdout?: string; code?: number }) => {
        if (typeof error.code === 'number' && (error.code & 1) === 0) return { stdout: error.stdout ?? '[]' };
        throw error;
      },
    );
    const findings = JSON.parse(result.stdout || '[]') as { Level: string; Rule: { Id: string }; Message: string; Location: { Path: unknown[] } }[];
    expect(findings.filter((f) => f.Level === 'Error').map((f) => `${f.Rule.Id} ${f.Message} at ${f.Location.Path.join('/')}`)).toEqual([]);
    // Only CDK's own redundant DependsOn (W3005) may remain as warnings.
    expect([...new Set(findings.filter((f) => f.Level === 'Warning').map((f) => f.Rule.Id))].filter((id) => id !== 'W3005')).toEqual([]);
  }, 120_000);
});
