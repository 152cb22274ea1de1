/**
 * `arbfleet data import -o PATH` refuses an output it could not write before reading any input
 * (found by a new user: a folder gave "EBADF: bad file descriptor, close", exit 1; /proc/nope.csv a
 * raw ENOENT naming nope.csv.part-N). Each refusal is exit 2 (`ValidationError`) naming -o/--out
 * and the path as given. The inputs named here do not exist: a refusal about them would mean the
 * output was judged after they were read.
 */
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dataImportCommand } from '../../../cli/data-command.js';
import { cliExitCodeFor } from '../../../core/errors.js';
import { CLI_EXIT } from '../../../core/exit-codes.js';

const dir = mkdtempSync(join(tmpdir(), 'arbfleet-import-output-'));
const notRead = join(dir, 'never-read.csv');

/** The exit code and words `arbfleet data import --format canonical never-read.csv -o OUT` ends with. */
async function importTo(out: string): Promise<{ code: number; words: string }> {
  try {
    return { code: await dataImportCommand([notRead], { format: 'canonical', out }), words: '' };
  } catch (error) {
    return { code: cliExitCodeFor(error), words: error instanceof Error ? error.message : String(error) };
  }
}

describe('arbfleet data import -o', () => {
  it('refuses a folder, with or without its trailing slash, leaving it as it was', async () => {
    const folder = join(dir, 'quotes');
    mkdirSync(folder);
    for (const out of [`${folder}/`, folder]) {
      expect(await importTo(out)).toEqual({
        code: CLI_EXIT.BAD_INPUT,
        words: `-o/--out: "${out}" is a folder: give the CSV file to write, e.g. -o ${folder}/quotes.csv`,
      });
    }
    expect(readdirSync(folder)).toEqual([]);
    expect(readdirSync(dir).sort()).toEqual(['quotes']);
  });

  it('refuses a file in a folder that is missing, is a file, or refuses a new file (/proc), naming the path as given', async () => {
    expect(await importTo(join(dir, 'missing', 'x.csv'))).toEqual({
      code: CLI_EXIT.BAD_INPUT,
      words: `-o/--out: "${join(dir, 'missing', 'x.csv')}": its folder ${join(dir, 'missing')} does not exist: create it first (mkdir -p ${join(dir, 'missing')})`,
    });
    const file = join(dir, 'plain.csv');
    writeFileSync(file, '');
    expect(await importTo(`${file}/x.csv`)).toEqual({ code: CLI_EXIT.BAD_INPUT, words: `-o/--out: "${file}/x.csv": ${file} is not a folder` });
    expect(await importTo('/proc/nope.csv')).toEqual({
      code: CLI_EXIT.BAD_INPUT,
      words: '-o/--out: "/proc/nope.csv" cannot be written: the folder /proc refuses a new file (ENOENT): give a path in a folder you can write to',
    });
  });

  it('a writable path gets past the check to the inputs (nothing of the check left behind)', async () => {
    const out = join(dir, 'fine', 'out.csv');
    mkdirSync(join(dir, 'fine'));
    const { words } = await importTo(out);
    expect(words).toContain(notRead);
    expect(readdirSync(join(dir, 'fine')).filter((f) => f.includes('.part-'))).toEqual([]);
  });
});
