import { z } from 'zod';

/** Environment variables added to an engine's: names a shell accepts, and not the store's or the cloud's, which the agent keeps from it. */
const EngineEnvSchema = z.record(z.string(), z.string()).superRefine((env, ctx) => {
  for (const name of Object.keys(env)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      ctx.addIssue({ code: 'custom', path: [name], message: `must be an environment variable name (letters, digits, underscores), found "${name}"` });
    } else if (/^(ARBFLEET_|AWS_)/.test(name)) {
      ctx.addIssue({
        code: 'custom',
        path: [name],
        message: 'ARBFLEET_* and AWS_* are reserved: the agent holds the store and the credentials, never the engine',
      });
    }
  }
});

/**
 * Which engine runs each shard (issue 18). `builtin` (the default): arbfleet's own TypeScript
 * engine, in process. `command`: any program speaking the task protocol (`docs/task-protocol.md`)
 * on its stdin/stdout, started by arbfleet's agent as its child: `command` is the program and its
 * arguments (no shell), `cwd` its working directory (in a config file: relative to the file's folder,
 * and that folder when not given, as feed paths are, `core/config/feed-paths.ts`; else the task's), `env` variables added
 * to its environment; `image` is the container image it runs in on AWS (a base image users build
 * `FROM`); locally it is ignored.
 */
export const EngineConfigSchema = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('builtin') }).strict(),
    z
      .object({
        kind: z.literal('command'),
        command: z.array(z.string().min(1, 'must not be empty')).min(1, 'expected a program and its arguments, e.g. ["python3", "engine.py"]'),
        image: z.string().min(1).optional(),
        cwd: z.string().min(1).optional(),
        env: EngineEnvSchema.optional(),
      })
      .strict(),
  ])
  .meta({
    description: "builtin: arbfleet's engine (default); command: a program speaking the task protocol (docs/task-protocol.md), supervised by the agent",
  });
export type EngineConfig = z.output<typeof EngineConfigSchema>;
