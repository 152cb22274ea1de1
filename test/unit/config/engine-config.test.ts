import { describe, expect, it } from 'vitest';
import { parseCampaignConfig } from '../../../core/config/load-config.js';
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
});
