import { readFileSync } from 'node:fs';
import { dirname, extname } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { ValidationError } from '../errors.js';
import { CampaignConfigSchema, type CampaignConfig } from './campaign-config.js';
import { resolveFeedPaths } from './feed-paths.js';
import { resolveCampaign, type Campaign } from './resolve-campaign.js';
import { symbolUniverse } from './universe.js';
import { campaignConfigIssues, withLines } from './config-issues.js';

/**
 * Validates an already-parsed config object (from a file or an API body).
 * Throws `ValidationError` naming every bad field.
 */
export function parseCampaignConfig(raw: unknown, source?: string): CampaignConfig {
  const result = CampaignConfigSchema.safeParse(raw);
  if (!result.success) throw new ValidationError(campaignConfigIssues(result.error, raw), source);
  return result.data;
}

/** Validates a config object and resolves its symbols: what the API and the loader both use. */
export function campaignFromObject(raw: unknown, source?: string): Campaign {
  return resolveCampaign(parseCampaignConfig(raw, source), symbolUniverse(), source);
}

/** Parses YAML or JSON text (JSON is YAML, but a `.json` file gets JSON's stricter parser). */
export function parseConfigText(text: string, source: string): unknown {
  try {
    return extname(source).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    const where = error instanceof YAMLParseError && error.linePos ? ` at line ${error.linePos[0].line}` : '';
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new ValidationError([{ path: '', message: `not valid ${extname(source) === '.json' ? 'JSON' : 'YAML'}${where}: ${reason}` }], source);
  }
}

/** Loads a campaign config file (`.yaml`, `.yml` or `.json`); relative replay paths resolve against its folder. */
export function loadCampaignFile(path: string): Campaign {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ValidationError([{ path: '', message: code === 'ENOENT' ? 'no such file' : `cannot read: ${code ?? String(error)}` }], path);
  }
  return withLinesOf(text, path, () => campaignFromObject(resolveFeedPaths(parseConfigText(text, path), dirname(path)), path));
}

/**
 * Runs `check`, a validation of the config read from `text` (the file `path`); a refusal naming
 * that file is thrown again with each issue's line in it (`bad.yaml:15: strategy.entryBsp: …`).
 */
export function withLinesOf<T>(text: string, path: string, check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (error instanceof ValidationError && error.source === path && error.issues.some((i) => i.line === undefined)) {
      throw new ValidationError(withLines(error.issues, text), path);
    }
    throw error;
  }
}
