import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../core/clock.js';
import { ProcessLauncher } from '../../core/local/process-launcher.js';
import { waitFor } from '../support/engine-process.js';
import { describeTaskLauncherContract } from '../contract/task-launcher.contract.js';

/** A task that idles until a signal ends it. */
const IDLES = 'setInterval(()=>{},1000)';

describeTaskLauncherContract('ProcessLauncher (real processes)', async () => {
  const logDir = mkdtempSync(join(tmpdir(), 'arbfleet-launcher-contract-'));
  const launcher = new ProcessLauncher({ clock: systemClock, command: [process.execPath, '-e', IDLES], stopGraceMs: 500, logDir });
  return {
    launcher,
    // pid 2³¹−1 is above any pid_max Linux allows, so no process has it.
    unknownTaskId: String(2 ** 31 - 1),
    settle: async (taskId) => {
      await waitFor(`task ${taskId} to exit`, async () => ((await launcher.describe([taskId]))[0]?.state === 'STOPPED' ? true : undefined), 10_000);
    },
    cleanup: async () => {
      await launcher.stopAll('contract test over', 200);
      rmSync(logDir, { recursive: true, force: true, maxRetries: 5 });
    },
  };
});
