import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseConfigText } from '../core/config/load-config.js';
import { ValidationError } from '../core/errors.js';
import { RemoteApi, type RemoteResponse } from './remote-api.js';
import { runScheduleCommand } from './schedule-command.js';

export const REMOTE_HELP = `Usage: arbfleet remote [--url URL] [--region REGION] COMMAND

Talks to a deployed arbfleet API (the stack's ApiUrl output), signing every request with your
AWS credentials (SigV4; the same chain the AWS CLI uses: environment, profile, SSO, role).

Commands:
  start CONFIG [--idempotency-key KEY]   start a campaign from a config file
  list                                   list campaigns
  show ID                                a campaign and its shards
  stop ID                                stop a campaign (it ends CANCELLED)
  report ID [--out DIR]                  the campaign's report (JSON), saved to DIR/report.json with --out
  schedule COMMAND                       recurring campaigns: create, list, show, pause, resume, trigger, delete
                                         (see arbfleet schedule --help)

--url defaults to $ARBFLEET_API_URL; --region to the URL's region, else $AWS_REGION.`;

/** `arbfleet remote ...`: returns the process exit code (0 on a 2xx answer, 1 otherwise). */
export async function remoteCommand(argv: string[], out: (text: string) => void = (t) => process.stdout.write(t)): Promise<number> {
  // `remote [--url U] [--region R] schedule …`: the schedule command parses its own flags.
  const at = argv.indexOf('schedule');
  const scheduleArgs = at !== -1 && argv.slice(0, at).every((a, i, before) => a.startsWith('--') || before[i - 1]?.startsWith('--') === true) ? argv.slice(at + 1) : undefined;
  const { values, positionals } = parseArgs({
    args: scheduleArgs === undefined ? argv : argv.slice(0, at),
    allowPositionals: true,
    options: { url: { type: 'string' }, region: { type: 'string' }, 'idempotency-key': { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  const [command, arg] = scheduleArgs === undefined ? positionals : ['schedule'];
  if (values.help || command === undefined) {
    out(`${REMOTE_HELP}\n`);
    return values.help ? 0 : 2;
  }
  const url = values.url ?? process.env.ARBFLEET_API_URL;
  if (!url) throw new ValidationError([{ path: '--url', message: 'give the API URL (the stack output ApiUrl) or set ARBFLEET_API_URL' }]);
  const region = values.region ?? /execute-api\.([a-z0-9-]+)\.amazonaws\.com/.exec(url)?.[1] ?? process.env.AWS_REGION;
  if (!region) throw new ValidationError([{ path: '--region', message: 'cannot tell the region from the URL: give --region or set AWS_REGION' }]);
  const api = new RemoteApi({ url, region });
  if (scheduleArgs !== undefined) return runScheduleCommand(scheduleArgs, (method, path, body) => api.request(method, path, body), out);
  const needId = (): string => {
    if (!arg) throw new ValidationError([{ path: 'ID', message: `${command} needs a campaign id` }]);
    return encodeURIComponent(arg);
  };
  let response: RemoteResponse;
  switch (command) {
    case 'start': {
      if (!arg) throw new ValidationError([{ path: 'CONFIG', message: 'start needs a campaign config file' }]);
      const config = parseConfigText(readFileSync(arg, 'utf8'), arg);
      const key = values['idempotency-key'];
      response = await api.request('POST', '/campaigns', config, key ? { 'Idempotency-Key': key } : {});
      break;
    }
    case 'list':
      response = await api.request('GET', '/campaigns');
      break;
    case 'show':
      response = await api.request('GET', `/campaigns/${needId()}`);
      break;
    case 'stop':
      response = await api.request('POST', `/campaigns/${needId()}/stop`);
      break;
    case 'report':
      response = await api.request('GET', `/campaigns/${needId()}/report`);
      if (values.out && response.status === 200) {
        mkdirSync(values.out, { recursive: true });
        writeFileSync(join(values.out, 'report.json'), `${JSON.stringify(response.body, null, 2)}\n`);
      }
      break;
    default:
      throw new ValidationError([{ path: 'COMMAND', message: `unknown remote command "${command}": use start, list, show, stop or report` }]);
  }
  out(`${typeof response.body === 'string' ? response.body : JSON.stringify(response.body, null, 2)}\n`);
  return response.status >= 200 && response.status < 300 ? 0 : 1;
}
