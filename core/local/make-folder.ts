/**
 * `mkdir -p` that always ends. Node's `mkdirSync(path, { recursive: true })` never returns when a
 * folder's parent exists but the folder cannot be made there with ENOENT (any path under `/proc`:
 * `arbfleet run --out /proc/x` spun at 100 % CPU until killed, found by a new user); this makes the
 * missing folders one level at a time, from the nearest existing one down, and throws the first
 * refusal.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * Makes `path` and every missing folder above it (an existing folder is fine, as made by another
 * process meanwhile).
 * @throws the first `mkdir` error other than EEXIST (ENOENT, EACCES, EROFS, ENOTDIR…), as Node gives it (`code`, `path`).
 */
export function makeFolder(path: string): void {
  const missing: string[] = [];
  for (let at = resolve(path); !existsSync(at); at = dirname(at)) {
    missing.push(at);
    if (dirname(at) === at) break;
  }
  for (const folder of missing.reverse()) {
    try {
      mkdirSync(folder);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}
