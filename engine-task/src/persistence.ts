import { hostname } from 'node:os';
import type { Clock } from '../../core/clock.js';
import { newWriterId } from '../../core/model/shard-writer.js';
import { MemoryShardLedger } from '../../core/local/memory-shard-persistence.js';
import type { CampaignStore, ShardKey, ShardPersistence } from '../../core/ports.js';

/** Store specs the entrypoint understands (`ARBFLEET_STORE` / `--store`). */
export const STORE_SPECS = ['memory', 'sqlite:<path>', 'dynamodb:<tablePrefix>'] as const;

/** An open persistence port and how to release what it holds. */
export interface OpenPersistence {
  persistence: ShardPersistence;
  /**
   * The config stored on the shard's campaign record (how a Fargate task gets its config:
   * `ARBFLEET_CONFIG_FROM=store`); undefined when the store holds no such campaign or keeps none (memory).
   */
  campaignConfig(): Promise<unknown>;
  /** Sets the connection's wait for another process's write lock (ms; SQLite only: `core/fleet/timeouts.ts`). */
  setLockWait?(ms: number): void;
  /** Caps the SDK's attempts per store call (DynamoDB only: `engineSdkMaxAttempts`). */
  capSdkAttempts?(maxAttempts: number): void;
  close(): void;
}

/**
 * This engine process's writer identity (`ShardPersistence.writer`), drawn once when the module
 * loads: its pid (a local task's id) and host, then a random UUID, so that two processes of one
 * shard generation (a repeated launch) are told apart by the store's fence.
 */
export const PROCESS_WRITER_ID = newWriterId(`pid-${process.pid}@${hostname()}`);

/**
 * Opens the engine's persistence for one shard generation from a spec: `memory` (nothing
 * survives the process), `sqlite:<path>` (the local fleet's shared database) or
 * `dynamodb:<tablePrefix>` (the stack's tables, clients configured from the environment). Its
 * writes are this process's (`writer`, `PROCESS_WRITER_ID` unless told), claimed at its restore.
 */
export async function openPersistence(
  spec: string,
  key: ShardKey,
  generation: number,
  clock: Clock,
  writer: string = PROCESS_WRITER_ID,
): Promise<OpenPersistence> {
  if (spec === 'memory')
    return { persistence: new MemoryShardLedger(clock).forTask(key, generation, writer), campaignConfig: async () => undefined, close() {} };
  if (spec.startsWith('sqlite:')) {
    const [{ SqliteCampaignStore }, { ENGINE_WAL_AUTOCHECKPOINT_PAGES }] = (await Promise.all([
      import('../../core/local/sqlite-campaign-store.js'),
      import('../../core/local/sqlite-database.js'),
    ])) as [
      {
        SqliteCampaignStore: new (
          path: string,
          clock: Clock,
          options?: { mustExist?: boolean; walAutocheckpointPages?: number },
        ) => CampaignStore & { close(): void; setLockWait(ms: number): void };
      },
      { ENGINE_WAL_AUTOCHECKPOINT_PAGES: number },
    ];
    // Only the store the control plane made: a missing file must not become a fresh, empty one. Its
    // WAL is checkpointed by the control plane, not on this engine's commits (`ENGINE_WAL_AUTOCHECKPOINT_PAGES`).
    const store = new SqliteCampaignStore(spec.slice('sqlite:'.length), clock, { mustExist: true, walAutocheckpointPages: ENGINE_WAL_AUTOCHECKPOINT_PAGES });
    return {
      persistence: store.forTask(key, generation, writer),
      campaignConfig: async () => (await store.getCampaign(key.campaignId))?.config,
      setLockWait: (ms) => store.setLockWait(ms),
      close: () => store.close(),
    };
  }
  if (spec.startsWith('dynamodb:')) {
    const [{ DynamoDbClients }, { DynamoDbCampaignStore }] = await Promise.all([
      import('../../core/aws/dynamodb-client.js'),
      import('../../core/aws/dynamodb-campaign-store.js'),
    ]);
    const clients = new DynamoDbClients();
    const store = new DynamoDbCampaignStore({ clients, tablePrefix: spec.slice('dynamodb:'.length), clock });
    return {
      persistence: store.forTask(key, generation, writer),
      campaignConfig: async () => (await store.getCampaign(key.campaignId))?.config,
      capSdkAttempts: (n) => clients.capAttempts(n),
      close: () => clients.destroy(),
    };
  }
  throw new Error(`unknown store "${spec}": use one of ${STORE_SPECS.join(', ')}`);
}
