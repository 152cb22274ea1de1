import { describe, expect, it } from 'vitest';
import { engineText, reportConfigOf } from '../../../core/report/report-config.js';
import { campaignRecord } from '../../contract/record-builders.js';

describe('the report names the engine that ran', () => {
  it('built-in when the config has no engine (older configs) or says builtin', () => {
    expect(reportConfigOf(campaignRecord('c-1', 1)).engine).toEqual({ kind: 'builtin' });
    const builtin = reportConfigOf(campaignRecord('c-1', 1, { config: { name: 'c-1', engine: { kind: 'builtin' } } })).engine;
    expect(engineText(builtin)).toBe("built-in (arbfleet's own, in process)");
  });

  it('a command behind the agent with its image and the task protocol version', () => {
    const config = { name: 'c-2', engine: { kind: 'command', command: ['python3', 'engine.py'], image: 'acme/engine:1', env: { A: '1' } } };
    const engine = reportConfigOf(campaignRecord('c-2', 1, { config })).engine;
    expect(engine).toEqual({ kind: 'command', command: ['python3', 'engine.py'], image: 'acme/engine:1', protocol: 1 });
    expect(engineText(engine)).toBe('python3 engine.py in image acme/engine:1, behind the agent, task protocol v1');
  });
});
