/**
 * The stack "deployed" into moto from its template, for the suites that run what a deploy ships
 * against the emulator (`test/integration/aws/deployed-artifacts.test.ts`,
 * `python-engine-on-emulator.test.ts`): network and logs mapped, then the tables, queues, bucket,
 * cluster, roles, the engine's task definition and every policy, each from the template's own
 * resource definitions (`emulated-stack.ts`, `emulated-roles.ts`). And the images a campaign's
 * `engine.image` names, staged as their Dockerfile lays them out, without Docker.
 */
import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AwsClients, AwsClientSettings } from '../../core/aws/aws-clients.js';
import { resourcesOfType, type CloudFormationTemplate } from './cloud-assembly.js';
import type { PhysicalResources } from './cloudformation-values.js';
import { createTemplateRoles, putTemplatePolicies, type RoleCredentials } from './emulated-roles.js';
import {
  createTemplateBuckets,
  createTemplateClusters,
  createTemplateQueues,
  createTemplateTables,
  mapNetworkAndLogs,
  registerTemplateTaskDefinitions,
  type RegisteredTaskDefinition,
} from './emulated-stack.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Creates the template's resources in moto (IAM not yet enforced: `setup` may do anything) and
 * returns the engine's task definition as registered. Roles exist before the task definition that
 * names them, and policies are put last, once everything they name is known.
 */
export async function deployTemplateToMoto(
  template: CloudFormationTemplate,
  resources: PhysicalResources,
  endpoint: string,
  stackName: string,
  setup: AwsClients,
): Promise<RegisteredTaskDefinition> {
  await mapNetworkAndLogs(template, resources, endpoint, stackName);
  await createTemplateTables(template, resources, setup);
  await createTemplateQueues(template, resources, setup, stackName);
  await createTemplateBuckets(template, resources, setup, stackName);
  await createTemplateClusters(template, resources, setup, stackName);
  await createTemplateRoles(template, resources, endpoint, stackName);
  const [engineTask] = await registerTemplateTaskDefinitions(template, resources, setup);
  if (!engineTask) throw new Error('the template has no AWS::ECS::TaskDefinition');
  await putTemplatePolicies(template, resources, endpoint);
  return engineTask;
}

/** The logical id of the engine task definition's task role (`TaskRoleArn: { Fn::GetAtt: [role, Arn] }`). */
export function engineTaskRoleOf(template: CloudFormationTemplate): string {
  const definition = resourcesOfType(template, 'AWS::ECS::TaskDefinition')[0]?.[1];
  const taskRoleArn = definition?.Properties?.TaskRoleArn as { 'Fn::GetAtt'?: [string, string] } | undefined;
  const role = taskRoleArn?.['Fn::GetAtt']?.[0];
  if (!role) throw new Error(`the engine task definition's TaskRoleArn is not a Fn::GetAtt of a role: ${JSON.stringify(taskRoleArn)}`);
  return role;
}

/**
 * Lays out, on top of a staged engine image (`stageEngineImage`'s `/app`), what a Dockerfile built
 * `FROM` it adds with its `COPY` lines (sources from the repository root; a destination ending in
 * `/` is a folder; a folder source is copied whole): the layout the image's engine runs in. Other
 * instructions (installing Python, say) are the machine's to provide.
 * @param dockerfile the Dockerfile, relative to the repository root (e.g. `examples/python-engine/Dockerfile`).
 * @throws Error naming the Dockerfile and line for a COPY whose destination is not under `/app/`.
 */
export function layOutImageCopies(appDir: string, dockerfile: string): void {
  const lines = readFileSync(path.join(REPO_ROOT, dockerfile), 'utf8').split('\n');
  lines.forEach((line, index) => {
    const words = line.trim().split(/\s+/);
    if (words[0] !== 'COPY' || words.some((w) => w.startsWith('--'))) return;
    const sources = words.slice(1, -1);
    const destination = words.at(-1) as string;
    if (!destination.startsWith('/app/')) throw new Error(`${dockerfile}:${index + 1}: expected a COPY into /app/, found ${destination}`);
    const target = path.join(appDir, destination.slice('/app/'.length));
    for (const source of sources) copyInto(path.join(REPO_ROOT, source), destination.endsWith('/') ? path.join(target, path.basename(source)) : target);
  });
}

function copyInto(source: string, target: string): void {
  mkdirSync(path.dirname(target), { recursive: true });
  if (!statSync(source).isDirectory()) {
    copyFileSync(source, target);
    return;
  }
  for (const entry of readdirSync(source)) if (entry !== '__pycache__') copyInto(path.join(source, entry), path.join(target, entry));
}

/** The AWS client settings of a test's own calls to the emulator: two attempts, a 10 s request bound. */
export function emulatorSettings(endpoint: string, region: string): AwsClientSettings {
  return { region, endpoint, maxAttempts: 2, connectionTimeoutMs: 2_000, requestTimeoutMs: 10_000 };
}

/** Makes `credentials` (a template role's, assumed) the ones this process's AWS clients use from now on. */
export function useCredentials(credentials: RoleCredentials): void {
  process.env.AWS_ACCESS_KEY_ID = credentials.AWS_ACCESS_KEY_ID;
  process.env.AWS_SECRET_ACCESS_KEY = credentials.AWS_SECRET_ACCESS_KEY;
  if (credentials.AWS_SESSION_TOKEN) process.env.AWS_SESSION_TOKEN = credentials.AWS_SESSION_TOKEN;
  else delete process.env.AWS_SESSION_TOKEN;
}
