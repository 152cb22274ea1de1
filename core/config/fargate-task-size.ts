/**
 * Fargate's task sizes: the memory (MiB) allowed with each CPU value (in CPU units, 1024 = 1 vCPU),
 * from AWS's "Amazon ECS task definition parameters for Fargate" table (Linux). Both the stack's
 * task definition (`taskCpu`/`taskMemoryMiB` context) and a campaign's `task` (sent as RunTask
 * overrides) are checked against it, so ECS never refuses a size after a campaign was accepted.
 */

/** For each CPU value: the smallest and largest memory and the step between valid values, in MiB. */
const FARGATE_MEMORY_BY_CPU: ReadonlyMap<number, { min: number; max: number; step: number; only?: readonly number[] }> = new Map([
  [256, { min: 512, max: 2048, step: 512, only: [512, 1024, 2048] }],
  [512, { min: 1024, max: 4096, step: 1024 }],
  [1024, { min: 2048, max: 8192, step: 1024 }],
  [2048, { min: 4096, max: 16384, step: 1024 }],
  [4096, { min: 8192, max: 30720, step: 1024 }],
  [8192, { min: 16384, max: 61440, step: 4096 }],
  [16384, { min: 32768, max: 122880, step: 8192 }],
]);

/** The CPU values Fargate offers. */
export const FARGATE_CPU_UNITS: readonly number[] = [...FARGATE_MEMORY_BY_CPU.keys()];

/** Whether Fargate runs a task of `cpu` units with `memoryMiB`. */
export function isFargateTaskSize(cpu: number, memoryMiB: number): boolean {
  const range = FARGATE_MEMORY_BY_CPU.get(cpu);
  if (range === undefined) return false;
  if (range.only) return range.only.includes(memoryMiB);
  return memoryMiB >= range.min && memoryMiB <= range.max && memoryMiB % range.step === 0;
}

/** The memory values allowed with `cpu`, as a person reads them ("1024 to 4096 MiB in steps of 1024"). */
export function fargateMemoryChoices(cpu: number): string {
  const range = FARGATE_MEMORY_BY_CPU.get(cpu);
  if (range === undefined) return `no memory: ${cpu} is not a Fargate CPU value (${FARGATE_CPU_UNITS.join(', ')})`;
  if (range.only) return `${range.only.join(', ')} MiB`;
  return `${range.min} to ${range.max} MiB in steps of ${range.step}`;
}
