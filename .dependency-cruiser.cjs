/**
 * The layering of docs/architecture.md ("may import" column of the Layout table), checked by
 * dependency-cruiser on every import, type-only ones included (`tsPreCompilationDeps`): `npm run
 * depcheck`, and `npm test` after the typecheck. A broken rule fails the build naming the rule,
 * the importing file and the imported one.
 *
 * Units: the shells (`functions/`, `infra/`, `engine-task/`, `cli/`, `sim/`, `test/`) and, inside
 * `core/`, each root file (`ports.ts`, `errors.ts`, `clock.ts`, `log.ts`) and first-level folder.
 * Inside core the units form layers, lowest first; each may import only the ones listed for it:
 *
 * | unit | may import (besides itself and packages) |
 * | --- | --- |
 * | `exit-codes.ts` | nothing in core (a leaf: the exit codes, read by errors.ts's error table) |
 * | `errors.ts`, `clock.ts` | nothing in core but `exit-codes.ts` |
 * | `log.ts` | clock |
 * | `command-line.ts` | exit-codes (the programs' shared commander settings) |
 * | `random.ts` | nothing in core (the one seeded generator, sfc32) |
 * | `config/` | errors |
 * | `model/` | config, errors |
 * | `ports.ts` | model, config, clock: types only |
 * | `data/` | model, config, errors, clock |
 * | `report/` | model, config, errors, clock, log, ports |
 * | `fleet/` | the above and report |
 * | `schedule/` | the above and fleet |
 * | `local/`, `aws/` (adapters) | the above and data; `aws/` also schedule |
 * | `api/` (HTTP) | model, config, errors, clock, log, ports, local's descriptor budget, fleet's store-trouble classifier |
 *
 * The report is a pure builder over records, so the fleet service may call it and it never reads
 * the fleet; the services implement the driving ports in `ports.ts` (`FleetApi`, `ScheduleApi`)
 * and never import the transport in `api/`.
 */

/** Everything in the repository that is not core. */
const SHELLS = '^(cli|engine-task|functions|infra|sim|test|scripts|bin)/';

/** A rule no import may break: an error naming the rule, the importing file and the imported one. */
function forbid(name, comment, from, to, more = {}) {
  return { name, comment, severity: 'error', ...more, from, to };
}

/** A core unit `from` may import only the core units matched by `allowed` (and itself). */
function coreLayer(name, from, allowed, comment) {
  return forbid(name, comment, { path: from }, { path: '^core/', pathNot: [from, allowed] });
}

const BASE = '^core/(errors|clock|exit-codes)\\.ts$';
const BELOW_DATA = `${BASE}|^core/log\\.ts$|^core/(config|model)/|^core/ports\\.ts$`;

module.exports = {
  forbidden: [
    forbid(
      'core-imports-only-core',
      'core/ is the domain both halves share: it imports nothing outside core/ (architecture.md, Layout).',
      { path: '^core/' },
      { path: SHELLS },
    ),
    forbid(
      'shells-import-only-core',
      "functions/, infra/, engine-task/, cli/ and sim/ are composition roots over core/: they import core/ and themselves, never each other; but sim/ runs the engine's own runner as a task (sim/real-runner-task.ts), so it may import engine-task/src/.",
      { path: '^(functions|infra|engine-task|cli|sim)/' },
      { path: SHELLS, pathNot: ['^$1/', '^engine-task/src/'] },
    ),
    forbid(
      'only-sim-imports-the-engine',
      'Of the other shells, only sim/ imports engine-task/ (its runner, as a simulated task).',
      { path: '^(functions|infra|cli)/' },
      { path: '^engine-task/' },
    ),
    forbid(
      'nothing-imports-test',
      'test/ is imported by test/ only (the vitest configs name its setup files as paths; the file order is vitest.sequencer.ts, beside them).',
      { pathNot: '^test/' },
      { path: '^test/' },
    ),
    forbid(
      'nothing-imports-sim',
      'sim/ (the simulation) is run by test/ and its own entry point; no shipped code imports it.',
      { pathNot: '^(test|sim)/' },
      { path: '^sim/' },
    ),
    forbid('no-file-cycle', 'No file imports itself through others, type-only imports included.', {}, { circular: true }),
    forbid(
      'no-folder-cycle',
      'No two folders import each other, directly or round a loop (sibling folders; parent and child folders are one unit).',
      {},
      { circular: true },
      { scope: 'folder' },
    ),
    forbid(
      'ports-are-types',
      'core/ports.ts names interfaces: it imports types only, so importing a port costs no module at run time.',
      { path: '^core/ports\\.ts$' },
      { dependencyTypesNot: ['type-only'] },
    ),
    coreLayer(
      'core-exit-codes',
      '^core/exit-codes\\.ts$',
      '^$',
      'The exit codes are a leaf: errors.ts maps error kinds to them, so they import nothing in core.',
    ),
    coreLayer(
      'core-base',
      '^core/(errors|clock)\\.ts$',
      '^core/exit-codes\\.ts$',
      'errors.ts and clock.ts are the base of core: they import nothing in core but the exit codes (a leaf).',
    ),
    coreLayer('core-log', '^core/log\\.ts$', '^core/clock\\.ts$', 'log.ts imports only the clock.'),
    coreLayer('core-random', '^core/random\\.ts$', '^$', 'random.ts (the one seeded generator, sfc32) imports nothing in core.'),
    coreLayer(
      'core-command-line',
      '^core/command-line\\.ts$',
      '^core/exit-codes\\.ts$',
      "command-line.ts (every program's commander settings) imports only the exit codes.",
    ),
    coreLayer('core-config', '^core/config/', BASE, 'The campaign config imports only errors (and the clock).'),
    coreLayer(
      'core-model',
      '^core/model/',
      `${BASE}|^core/config/`,
      'The shared records import only config and errors: every layer imports them, so they import no layer.',
    ),
    coreLayer(
      'core-ports',
      '^core/ports\\.ts$',
      '^core/(model|config)/|^core/clock\\.ts$',
      'The ports are typed with the records (model, config) and the clock only.',
    ),
    coreLayer('core-data', '^core/data/', BELOW_DATA, 'Market data (formats, import, the live feed) reads the records and the config, not the fleet.'),
    coreLayer(
      'core-report',
      '^core/report/',
      `${BELOW_DATA}|^core/data/`,
      'The report is a pure builder over records: it never imports the fleet, the schedules, the adapters or the API.',
    ),
    coreLayer(
      'core-fleet',
      '^core/fleet/',
      `${BELOW_DATA}|^core/(data|report)/`,
      'The fleet services use the report builder; they never import the schedules, the adapters or the API (they implement ports.ts).',
    ),
    coreLayer('core-schedule', '^core/schedule/', `${BELOW_DATA}|^core/(data|report|fleet)/`, 'The schedules drive the fleet; never the adapters or the API.'),
    coreLayer(
      'core-local',
      '^core/local/',
      `${BELOW_DATA}|^core/(data|report|fleet)/`,
      'The embedded adapters implement ports over the domain; never the AWS adapters or the API.',
    ),
    coreLayer(
      'core-aws',
      '^core/aws/',
      `${BELOW_DATA}|^core/(data|report|fleet|schedule)/`,
      'The AWS adapters implement ports over the domain; never the embedded adapters or the API.',
    ),
    coreLayer(
      'core-api',
      '^core/api/',
      `${BELOW_DATA}|^core/local/descriptor-budget\\.ts$|^core/fleet/store-trouble\\.ts$`,
      'The HTTP handler calls the driving ports (ports.ts), never a service or an adapter (the local server reads the descriptor budget; a status reads the store-trouble classifier).',
    ),
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|cdk\\.out|dist)/|^(\\.[a-z][a-z-]*|runs|reports|docs|configs)/' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.mjs', '.js', '.cjs', '.json'],
    },
  },
};
