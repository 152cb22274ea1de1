/**
 * `npm run schema`: writes what is generated from the repository's sources of truth —
 * `configs/campaign.schema.json` from the zod schema (editors validate configs with it), and
 * `core/config/universe-data.ts` from `configs/universe.yaml` (so bundles carry the universe
 * compiled in). A unit test fails when either is out of date.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { CampaignConfigSchema } from './campaign-config.js';
import { UniverseSchema } from './universe.js';

/** The JSON Schema editors use to validate `configs/*.yaml`, generated from the zod schema. */
export function campaignJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(CampaignConfigSchema, { io: 'input', unrepresentable: 'any' }),
    title: 'arbfleet campaign config',
  };
}

export const JSON_SCHEMA_PATH = fileURLToPath(new URL('../../configs/campaign.schema.json', import.meta.url));
/** The universe people edit. */
export const UNIVERSE_YAML_PATH = fileURLToPath(new URL('../../configs/universe.yaml', import.meta.url));
/** The universe the code imports (generated from the YAML). */
export const UNIVERSE_MODULE_PATH = fileURLToPath(new URL('./universe-data.ts', import.meta.url));

/** The TypeScript module that embeds `configs/universe.yaml` (checked against the schema first). */
export function universeModule(yamlText: string = readFileSync(UNIVERSE_YAML_PATH, 'utf8')): string {
  const universe = UniverseSchema.parse(parseYaml(yamlText));
  return [
    '// Generated from configs/universe.yaml by `npm run schema`; edit the YAML, not this file.',
    '// Compiled in so that Lambda bundles and the engine image never read the repository at run time.',
    `export const UNIVERSE_DATA = ${JSON.stringify(universe, null, 2)} as const;`,
    '',
  ].join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(JSON_SCHEMA_PATH, `${JSON.stringify(campaignJsonSchema(), null, 2)}\n`);
  console.log(`wrote ${JSON_SCHEMA_PATH}`);
  writeFileSync(UNIVERSE_MODULE_PATH, universeModule());
  console.log(`wrote ${UNIVERSE_MODULE_PATH}`);
}
