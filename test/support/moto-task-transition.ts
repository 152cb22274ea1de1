/**
 * moto's state manager for ECS tasks: by default moto moves a task towards STOPPED on every
 * DescribeTasks; a `manual` progression keeps it RUNNING until StopTask, as a live engine's task.
 */

/** Sets (or, with undefined, unsets) the ECS task transition of the moto server at `endpoint` (its own API: no IAM). */
export async function motoTaskTransitionAt(endpoint: string, transition: { progression: string; times?: number } | undefined): Promise<void> {
  const path = transition === undefined ? 'unset-transition' : 'set-transition';
  const res = await fetch(`${endpoint}/moto-api/state-manager/${path}`, { method: 'POST', body: JSON.stringify({ model_name: 'ecs::task', transition }) });
  if (!res.ok) throw new Error(`moto ${path}: HTTP ${res.status}`);
}
