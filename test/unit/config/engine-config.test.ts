import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadCampaignFile, parseCampaignConfig } from '../../../core/config/load-config.js';
import { ValidationError } from '../../../core/errors.js';
import { campaignInput } from '../../support/campaigns.js';

function issuesOf(engine: unknown): string {
  try {
    parseCampaignConfig({ ...campaignInput(), engine }, 'campaign.yaml');
  } catch (error) {
    if (error instanceof ValidationError) return error.message;
    throw error;
  }
  return '';
}

describe('engine in the campaign config', () => {
  it('defaults to the built-in engine, and takes a command with cwd, env and image', () => {
    expect(parseCampaignConfig(campaignInput()).engine).toEqual({ kind: 'builtin' });
    const engine = { kind: 'command', command: ['python3', 'engine.py'], cwd: 'examples/python-engine', env: { MODE: 'paper' }, image: 'acme/engine:1' };
    expect(parseCampaignConfig({ ...campaignInput(), engine }).engine).toEqual(engine);
  });

  it('refuses, naming the field: an empty command, an unknown kind, a reserved or malformed env name, an unknown key', () => {
    expect(issuesOf({ kind: 'command', command: [] })).toMatch(/engine\.command: expected a program and its arguments/);
    expect(issuesOf({ kind: 'command', command: [''] })).toMatch(/engine\.command\[0\]: must not be empty/);
    expect(issuesOf({ kind: 'docker' })).toMatch(/engine\.kind/);
    expect(issuesOf({ kind: 'command', command: ['x'], env: { ARBFLEET_STORE: 'sqlite:/tmp/x' } })).toMatch(/engine\.env.*ARBFLEET_\* and AWS_\* are reserved/);
    expect(issuesOf({ kind: 'command', command: ['x'], env: { 'BAD-NAME': '1' } })).toMatch(/engine\.env.*must be an environment variable name/);
    expect(issuesOf({ kind: 'builtin', command: ['x'] })).toMatch(/engine/);
  });

  it("in a config file, the command engine's cwd resolves against the file's folder, and is that folder when not given", () => {
    const dir = mkdtempSync(join(tmpdir(), 'engine-cwd-'));
    const load = (engine: unknown) => {
      const path = join(dir, 'c.json');
      writeFileSync(path, JSON.stringify({ ...campaignInput(), engine }));
      return loadCampaignFile(path).config.engine;
    };
    expect(load({ kind: 'command', command: ['python3', 'myeng.py'] })).toEqual({ kind: 'command', command: ['python3', 'myeng.py'], cwd: dir });
    expect(load({ kind: 'command', command: ['x'], cwd: 'eng/bin' })).toMatchObject({ cwd: join(dir, 'eng/bin') });
    expect(load({ kind: 'command', command: ['x'], cwd: '/opt/engine' })).toMatchObject({ cwd: '/opt/engine' });
    expect(load({ kind: 'builtin' })).toEqual({ kind: 'builtin' });
    // Not from a file (an API body): kept as given.
    expect(parseCampaignConfig({ ...campaignInput(), engine: { kind: 'command', command: ['x'] } }).engine).not.toHaveProperty('cwd');
  });

  it('configs/python-engine.yaml runs its engine from the repository root, whatever folder it is loaded from', () => {
    const root = fileURLToPath(new URL('../../../', import.meta.url)).replace(/\/$/, '');
    const engine = loadCampaignFile(join(root, 'configs/python-engine.yaml')).config.engine;
    if (engine.kind !== 'command') throw new Error(`configs/python-engine.yaml: expected a command engine, found ${engine.kind}`);
    expect(engine.cwd).toBe(root);
    expect(existsSync(join(engine.cwd ?? '', engine.command[1] ?? ''))).toBe(true);
  });
});
