/**
 * The cloud assembly `npx cdk synth` writes (what `cdk deploy` ships): the template and the
 * bundled Lambda assets. Synthesised once per suite the way a user runs it (no AWS credentials,
 * no Docker), or read from `ARBFLEET_CLOUD_ASSEMBLY` (a `cdk.out` directory) to save the ~35 s.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** One resource of a CloudFormation template. */
export interface TemplateResource {
  Type: string;
  Properties?: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
}

export interface CloudFormationTemplate {
  Resources: Record<string, TemplateResource>;
}

/** A synthesised stack: its template and where its assets are. */
export interface CloudAssembly {
  dir: string;
  stackName: string;
  template: CloudFormationTemplate;
  /** Removes the directory when this suite synthesised it (a given one is left alone). */
  dispose(): void;
}

/** The environment of someone with no AWS account configured and no Docker (`scratch`: where the absent files would be). */
export function bareEnvironment(scratch: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('AWS_') && !key.startsWith('CDK_')) env[key] = value;
  return {
    ...env,
    AWS_CONFIG_FILE: path.join(scratch, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(scratch, 'no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    CDK_DOCKER: path.join(scratch, 'no-docker'),
    CDK_DISABLE_CLI_TELEMETRY: 'true',
  };
}

/**
 * The cloud assembly of the `Arbfleet` stack: `ARBFLEET_CLOUD_ASSEMBLY` when set, else a fresh
 * `npx cdk synth -o <tmp>` from the repository.
 */
export async function cloudAssembly(stackName = 'Arbfleet'): Promise<CloudAssembly> {
  const given = process.env.ARBFLEET_CLOUD_ASSEMBLY;
  const dir = given ?? mkdtempSync(path.join(tmpdir(), 'arbfleet-deployed-'));
  if (!given) {
    await run('npx', ['cdk', 'synth', '--quiet', '--no-notices', '-o', dir], {
      cwd: REPO_ROOT,
      env: bareEnvironment(dir),
      maxBuffer: 32 * 1024 * 1024,
      timeout: 150_000,
    });
  }
  const templateFile = path.join(dir, `${stackName}.template.json`);
  if (!existsSync(templateFile)) throw new Error(`no ${stackName}.template.json in ${dir}${given ? ' (ARBFLEET_CLOUD_ASSEMBLY)' : ''}`);
  return {
    dir,
    stackName,
    template: JSON.parse(readFileSync(templateFile, 'utf8')) as CloudFormationTemplate,
    dispose: () => {
      if (!given) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The logical ids and resources of one type, in template order. */
export function resourcesOfType(template: CloudFormationTemplate, type: string): [string, TemplateResource][] {
  return Object.entries(template.Resources).filter(([, r]) => r.Type === type);
}

/** One of the stack's six Lambdas as it is deployed: its bundle, environment and role. */
export interface DeployedFunction {
  /** `api`, `launcher`, `task-events`, … (from the construct path `…/ControlPlane/<Name>Function/Resource`). */
  name: string;
  logicalId: string;
  /** The asset directory holding `index.mjs` (what Lambda unzips into /var/task). */
  bundleDir: string;
  /** `Properties.Environment.Variables`, unresolved. */
  environment: Record<string, unknown>;
  /** Logical id of its execution role. */
  roleLogicalId: string;
}

/**
 * The control plane's Lambdas: every `AWS::Lambda::Function` whose `aws:asset:path` is a file
 * asset of `<stack>.assets.json` with an `index.mjs` (CDK's own custom-resource handlers are not
 * ours: they are skipped by their construct path).
 */
export function deployedFunctions(assembly: CloudAssembly): DeployedFunction[] {
  const assets = JSON.parse(readFileSync(path.join(assembly.dir, `${assembly.stackName}.assets.json`), 'utf8')) as {
    files: Record<string, { source: { path: string } }>;
  };
  const assetPaths = new Set(Object.values(assets.files).map((f) => f.source.path));
  const found: DeployedFunction[] = [];
  for (const [logicalId, resource] of resourcesOfType(assembly.template, 'AWS::Lambda::Function')) {
    const cdkPath = String(resource.Metadata?.['aws:cdk:path'] ?? '');
    const match = /\/ControlPlane\/([A-Za-z]+)Function\/Resource$/.exec(cdkPath);
    if (!match?.[1]) continue;
    const assetPath = String(resource.Metadata?.['aws:asset:path'] ?? '');
    if (!assetPaths.has(assetPath)) throw new Error(`${logicalId}: asset ${assetPath} is not in ${assembly.stackName}.assets.json`);
    const bundleDir = path.join(assembly.dir, assetPath);
    if (!existsSync(path.join(bundleDir, 'index.mjs'))) throw new Error(`${logicalId}: no index.mjs in ${bundleDir}`);
    const role = (resource.Properties?.Role as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt']?.[0];
    if (!role) throw new Error(`${logicalId}: Role is not a Fn::GetAtt of a role in the template`);
    found.push({
      name: match[1].replace(/[A-Z]/g, (c, i: number) => `${i === 0 ? '' : '-'}${c.toLowerCase()}`),
      logicalId,
      bundleDir,
      environment: (resource.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {},
      roleLogicalId: role,
    });
  }
  return found;
}
