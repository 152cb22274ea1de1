/**
 * `npm run schema:protocol`: writes one JSON Schema per task-protocol message into
 * `docs/task-protocol/<message>.schema.json`, generated from the zod schemas of
 * `task-protocol.ts` (engines in other languages validate against them). A unit test fails when
 * a committed file differs from what this generates.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { TASK_PROTOCOL_MESSAGES, TASK_PROTOCOL_VERSION } from './task-protocol.js';

/** Where the generated schemas live. */
export const TASK_PROTOCOL_SCHEMA_DIR = fileURLToPath(new URL('../../docs/task-protocol/', import.meta.url));

/** The JSON text of each message's schema, by file name, as the generator writes it. */
export function taskProtocolSchemaFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const [name, schema] of Object.entries(TASK_PROTOCOL_MESSAGES)) {
    const json = {
      ...z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' }),
      title: `arbfleet task protocol v${TASK_PROTOCOL_VERSION}: ${name}`,
    };
    files[`${name}.schema.json`] = `${JSON.stringify(json, null, 2)}\n`;
  }
  return files;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  mkdirSync(TASK_PROTOCOL_SCHEMA_DIR, { recursive: true });
  for (const [file, text] of Object.entries(taskProtocolSchemaFiles())) {
    writeFileSync(`${TASK_PROTOCOL_SCHEMA_DIR}${file}`, text);
    console.log(`wrote docs/task-protocol/${file}`);
  }
}
