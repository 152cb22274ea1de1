/**
 * Global setup of the `browser` test project: Debian's Chromium must be at /usr/bin/chromium.
 * scripts/system-tools.sh installs it once when it is missing (apt-get, as root or through sudo)
 * and is a quick no-op when it is there; when it cannot install it, the run stops here with the
 * command to run instead of failing every test of the suite.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export default function setup(): void {
  const result = spawnSync('bash', ['scripts/system-tools.sh', 'chromium'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'inherit', 'pipe'] });
  process.stderr.write(result.stderr ?? '');
  if (result.status !== 0) {
    const said = (result.stderr ?? '').trim() || String(result.error ?? `exit ${result.status}`);
    throw new Error(`the browser tests need Chromium at /usr/bin/chromium: ${said}`);
  }
}
