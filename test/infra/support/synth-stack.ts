/**
 * Synthesises the arbfleet stack in-process for template assertions, with the feature flags of
 * `cdk.json` (so tests see what `cdk synth` sees). Lambda bundling is skipped here (the context
 * `aws:cdk:bundling-stacks: []`): esbuild runs in the `cdk synth` test, once.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, type StackProps } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll } from 'vitest';
import { ArbfleetStack } from '../../../infra/arbfleet-stack.js';
import { readStackSettings } from '../../../infra/stack-settings.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The `context` of cdk.json: the feature flags. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> };
  return cdkJson.context ?? {};
}

export interface SynthesizedStack {
  app: App;
  stack: ArbfleetStack;
  template: Template;
  /** The template as JSON, for walkers that look at every resource. */
  json: { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>; Outputs?: Record<string, unknown> };
}

/**
 * Builds and synthesises the stack with extra `context` (e.g. `{ destroyTables: 'true' }`) into a
 * temporary cloud assembly, removed after the test file.
 */
export function synthArbfleet(context: Record<string, unknown> = {}, env?: StackProps['env']): SynthesizedStack {
  const outdir = mkdtempSync(path.join(tmpdir(), 'arbfleet-infra-'));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));
  const app = new App({ outdir, context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [], ...context } });
  const settings = readStackSettings((key) => app.node.tryGetContext(key));
  const stack = new ArbfleetStack(app, 'Arbfleet', { settings, ...(env ? { env } : {}) });
  const template = Template.fromStack(stack);
  return { app, stack, template, json: template.toJSON() as SynthesizedStack['json'] };
}
