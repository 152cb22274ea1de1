/**
 * The evidence line of a restart's cause (the report's "Evidence:" and the console's): every
 * fact the watchdog recorded, in a fixed order, an exit code 0 or a 0 s old heartbeat included,
 * and nothing for what it did not know (null or absent); `—` when it knew nothing.
 */
import { describe, expect, it } from 'vitest';
import { causeEvidence } from '../../../core/report/restart-evidence.js';

const MIB = 1024 * 1024;

describe('the evidence of a restart’s cause', () => {
  it('says every recorded fact, in order', () => {
    expect(
      causeEvidence({
        exitCode: 137,
        signal: 'SIGKILL',
        stopCode: 'EssentialContainerExited',
        stoppedReason: 'OutOfMemoryError: Container killed due to memory usage',
        lastHeartbeatAgeSec: 12.34,
        lastRssBytes: 300.25 * MIB,
        stderrTail: 'not in the line',
        note: 'recycled near the memory limit',
      }),
    ).toBe(
      'exit code 137, signal SIGKILL, stop code EssentialContainerExited, stopped: OutOfMemoryError: Container killed due to memory usage, ' +
        'last heartbeat 12.3 s old, last RSS 300.3 MiB, recycled near the memory limit',
    );
  });

  it('a zero is a fact: exit code 0, a heartbeat 0 s old, 0 bytes', () => {
    expect(causeEvidence({ exitCode: 0, lastHeartbeatAgeSec: 0, lastRssBytes: 0 })).toBe('exit code 0, last heartbeat 0 s old, last RSS 0 MiB');
  });

  it('what was not known (null, absent or empty) is left out', () => {
    expect(causeEvidence({ exitCode: null, signal: null, lastHeartbeatAgeSec: null, lastRssBytes: null, stopCode: '', stoppedReason: '', note: '' })).toBe('—');
    expect(causeEvidence({})).toBe('—');
    expect(causeEvidence({ signal: 'SIGTERM' })).toBe('signal SIGTERM');
    expect(causeEvidence({ stoppedReason: 'Task stopped by user' })).toBe('stopped: Task stopped by user');
    expect(causeEvidence({ exitCode: 1, lastHeartbeatAgeSec: null, lastRssBytes: 64 * MIB })).toBe('exit code 1, last RSS 64 MiB');
  });
});
