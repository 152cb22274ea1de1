import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { CampaignConfigSchema } from './campaign-config.js';

/** The JSON Schema editors use to validate `configs/*.yaml`, generated from the zod schema. */
export function campaignJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(CampaignConfigSchema, { io: 'input', unrepresentable: 'any' }),
    title: 'arbfleet campaign config',
  };
}

export const JSON_SCHEMA_PATH = fileURLToPath(new URL('../../configs/campaign.schema.json', import.meta.url));

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(JSON_SCHEMA_PATH, `${JSON.stringify(campaignJsonSchema(), null, 2)}\n`);
  console.log(`wrote ${JSON_SCHEMA_PATH}`);
}
