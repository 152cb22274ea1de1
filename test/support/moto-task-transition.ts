/**
 * moto's state manager for ECS tasks: by default moto moves a task towards STOPPED on every
 * DescribeTasks; a `manual` progression keeps it RUNNING until StopTask, as a live engine's task.
 * Shared with the benchmark (`engine-task/bench/moto-server.ts`).
 */
export { motoTaskTransitionAt } from '../../engine-task/bench/moto-server.js';
