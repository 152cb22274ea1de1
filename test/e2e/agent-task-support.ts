import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { systemClock } from '../../core/clock.js';
import type { CampaignConfigInput } from '../../core/config/campaign-config.js';
import { SqliteCampaignStore } from '../../core/local/sqlite-campaign-store.js';
import { newCampaign } from '../contract/record-builders.js';
import { campaignInput } from '../support/campaigns.js';
import { type EngineProcess, startEngine } from '../support/engine-process.js';

/** The fake engine of the hostile-children tests (`FAKE_ENGINE` picks its behaviour). */
export const FAKE_ENGINE = fileURLToPath(new URL('../fixtures/task-protocol/fake-engine.mjs', import.meta.url));

/** One shard of a campaign whose engine is `command`, run by the real entrypoint (agent mode) on a real SQLite store. */
export interface AgentTask {
  dir: string;
  store: SqliteCampaignStore;
  key: { campaignId: string; shardId: string };
  process: EngineProcess;
  /** The lines the fake engine recorded (the agent's messages), parsed. */
  recorded(): Record<string, unknown>[];
}

/** A store with one campaign of one shard (`symbols`: BTC, ETH unless given) at `generation`, ready for a task. */
export async function agentStore(dir: string, campaignId: string, generation = 0, symbols: readonly string[] = ['BTC', 'ETH']): Promise<SqliteCampaignStore> {
  const store = new SqliteCampaignStore(join(dir, 'fleet.db'), systemClock);
  const { campaign, shards } = newCampaign(campaignId, 1);
  await store.createCampaign(
    campaign,
    shards.map((s) => ({ ...s, shardId: 'shard-000', symbols: [...symbols], generation })),
  );
  return store;
}

/**
 * Starts the entrypoint as the fleet does, for a campaign whose `engine` is `command` (default: the
 * fake engine in `mode`). Heartbeats every 0.25 s, stale after 2 s: the self-fence is 2.1 s.
 */
export async function startAgentTask(
  mode: string,
  options: {
    command?: string[];
    env?: Record<string, string>;
    /** Added to the agent's own environment (the fleet's variables). */
    agentEnv?: Record<string, string>;
    config?: Partial<CampaignConfigInput>;
    generation?: number;
    dir?: string;
    store?: SqliteCampaignStore;
    /** The shard's symbols (default BTC, ETH). */
    symbols?: readonly string[];
  } = {},
): Promise<AgentTask> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'arbfleet-agent-'));
  const campaignId = 'c-agent';
  const symbols = options.symbols ?? ['BTC', 'ETH'];
  const store = options.store ?? (await agentStore(dir, campaignId, options.generation ?? 0, symbols));
  const recordPath = join(dir, `recorded-${mode}-${Date.now()}.jsonl`);
  const configPath = join(dir, 'campaign.json');
  writeFileSync(
    configPath,
    JSON.stringify(
      campaignInput({
        duration: '10m',
        watchdog: { staleAfter: 2, heartbeatInterval: 0.25 },
        monitor: { flushInterval: 0.25 },
        engine: {
          kind: 'command',
          command: options.command ?? [process.execPath, FAKE_ENGINE],
          env: { FAKE_ENGINE: mode, FAKE_RECORD: recordPath, ...options.env },
        },
        ...options.config,
      }),
    ),
  );
  const key = { campaignId, shardId: 'shard-000' };
  const proc = startEngine(
    [
      configPath,
      '--store',
      `sqlite:${join(dir, 'fleet.db')}`,
      '--campaign',
      key.campaignId,
      '--shard',
      key.shardId,
      '--symbols',
      symbols.join(','),
      '--generation',
      String(options.generation ?? 0),
      '--json',
    ],
    { AWS_REGION: 'eu-west-1', AWS_SECRET_ACCESS_KEY: 'not-for-the-engine', ...options.agentEnv },
  );
  return {
    dir,
    store,
    key,
    process: proc,
    recorded: () =>
      existsSync(recordPath)
        ? readFileSync(recordPath, 'utf8')
            .trim()
            .split('\n')
            .filter(Boolean)
            .map((line) => JSON.parse(line) as Record<string, unknown>)
        : [],
  };
}

/** The agent's JSON log lines (its own events), parsed; engine log lines (`engine: …`) left out. */
export function agentEvents(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
