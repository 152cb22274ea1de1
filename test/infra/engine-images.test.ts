/**
 * The images of engines arbfleet did not write (issue 18), checked without Docker: the base image
 * (`engine-task/Dockerfile`, whose ENTRYPOINT and WORKDIR the launcher pins in every engine
 * image's task definition) and the example built FROM it (`examples/python-engine/Dockerfile`):
 * what it COPYs exists, it leaves the agent as the entrypoint, and the engine command of
 * `configs/python-engine.yaml`, the modules it imports and the data it replays land where the
 * command looks for them, in the repository's layout under /app.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AGENT_ENTRYPOINT, AGENT_WORKING_DIRECTORY } from '../../core/aws/engine-task-definitions.js';
import { loadCampaignFile } from '../../core/config/load-config.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Instruction {
  op: string;
  args: string;
}

/** A Dockerfile's instructions, continuation lines joined, comments dropped. */
function instructionsOf(file: string): Instruction[] {
  return readFileSync(path.join(ROOT, file), 'utf8')
    .split('\n')
    .filter((line) => !line.trim().startsWith('#'))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [op = '', ...rest] = line.split(/\s+/);
      return { op: op.toUpperCase(), args: rest.join(' ') };
    });
}

/** Every file a source of the build context holds, as paths from the repository root. */
function filesUnder(relative: string): string[] {
  const absolute = path.join(ROOT, relative);
  if (!statSync(absolute).isDirectory()) return [relative];
  return readdirSync(absolute).flatMap((entry) => (entry === '__pycache__' ? [] : filesUnder(path.join(relative, entry))));
}

/** The files the COPY lines put into the image, by absolute image path → repository path. */
function copiedFiles(instructions: Instruction[]): Map<string, string> {
  const image = new Map<string, string>();
  for (const { args } of instructions.filter((i) => i.op === 'COPY')) {
    const parts = args.split(/\s+/);
    expect(
      parts.filter((p) => p.startsWith('--')),
      `COPY ${args}: from the build context only`,
    ).toEqual([]);
    const destination = parts.pop() as string;
    for (const source of parts) {
      expect(existsSync(path.join(ROOT, source)), `COPY source ${source} exists in the repository`).toBe(true);
      const isDirectory = statSync(path.join(ROOT, source)).isDirectory();
      for (const file of filesUnder(source)) {
        // A folder's contents go under the destination; a file goes into it (a trailing /) or becomes it.
        const target = isDirectory
          ? path.posix.join(destination, path.relative(source, file))
          : destination.endsWith('/')
            ? path.posix.join(destination, path.basename(file))
            : destination;
        image.set(target, file);
      }
    }
  }
  return image;
}

describe('the base image every engine is built FROM (engine-task/Dockerfile)', () => {
  const instructions = instructionsOf('engine-task/Dockerfile');

  it('runs main.mjs (the agent for engine.kind: command) as the ENTRYPOINT the launcher pins, in the WORKDIR it pins', () => {
    const entrypoints = instructions.filter((i) => i.op === 'ENTRYPOINT');
    expect(entrypoints).toHaveLength(1);
    expect(JSON.parse(entrypoints[0]?.args ?? 'null')).toEqual([...AGENT_ENTRYPOINT]);
    expect(instructions.filter((i) => i.op === 'WORKDIR').at(-1)?.args).toBe(AGENT_WORKING_DIRECTORY);
    expect(AGENT_ENTRYPOINT.at(-1)).toBe('engine-task/dist/main.mjs');
    expect(readFileSync(path.join(ROOT, 'engine-task/build.mjs'), 'utf8')).toMatch(/main: 'engine-task\/src\/main\.ts'/);
  });
});

describe('the Python example engine’s image (examples/python-engine/Dockerfile)', () => {
  const instructions = instructionsOf('examples/python-engine/Dockerfile');
  const image = copiedFiles(instructions);
  const campaign = loadCampaignFile(path.join(ROOT, 'configs/python-engine.yaml'));
  const engine = campaign.config.engine;
  const inImage = (repositoryPath: string) => path.posix.join(AGENT_WORKING_DIRECTORY, repositoryPath.split(path.sep).join('/'));

  it('is built FROM the base image, by the tag engine-task/Dockerfile says to build it with', () => {
    const [arg, from] = instructions;
    expect(arg).toEqual({ op: 'ARG', args: 'BASE=arbfleet-engine' });
    expect(from).toEqual({ op: 'FROM', args: ['$', '{BASE}'].join('') });
    expect(readFileSync(path.join(ROOT, 'engine-task/Dockerfile'), 'utf8')).toContain('docker build -f engine-task/Dockerfile -t arbfleet-engine .');
  });

  it('sets no ENTRYPOINT or CMD (the agent stays the entrypoint) and ends as the non-root user', () => {
    expect(instructions.filter((i) => i.op === 'ENTRYPOINT' || i.op === 'CMD')).toEqual([]);
    expect(instructions.filter((i) => i.op === 'USER').at(-1)?.args).toBe('node');
  });

  it("holds the campaign's engine command: the interpreter installed, the script at its path from /app, the modules it imports beside it", () => {
    if (engine.kind !== 'command') throw new Error('configs/python-engine.yaml: expected engine.kind command');
    const [interpreter, script] = engine.command;
    expect(interpreter).toBe('python3');
    expect(instructions.some((i) => i.op === 'RUN' && /apt-get install .*\bpython3\b/.test(i.args))).toBe(true);
    expect(image.get(inImage(script as string)), `${script} in the image`).toBe(script);
    const source = readFileSync(path.join(ROOT, script as string), 'utf8');
    const local = [...source.matchAll(/^from (\w+) import/gm)]
      .map((m) => m[1] as string)
      .filter((m) => existsSync(path.join(ROOT, path.dirname(script as string), `${m}.py`)));
    expect(local.sort()).toEqual(['market', 'paper']);
    for (const module of local) expect(image.has(inImage(path.join(path.dirname(script as string), `${module}.py`))), module).toBe(true);
    // engine.py finds the task-protocol client at ../../clients/python/src from its own folder.
    expect(source).toContain('parents[2] / "clients" / "python" / "src"');
    for (const file of filesUnder('clients/python/src/arbfleet_task')) expect(image.get(inImage(file)), file).toBe(file);
  });

  it('holds every file the campaign replays, where its feed paths point from /app', () => {
    const feed = campaign.config.feed;
    if (feed.kind !== 'replay') throw new Error('configs/python-engine.yaml: expected a replay feed');
    const sources = (feed.sources ?? []).map((s) => path.relative(ROOT, s.path));
    expect(sources).toHaveLength(3);
    for (const source of sources) expect(image.get(inImage(source)), source).toBe(source);
  });
});
