/**
 * The routes of the HTTP API and how a request's method and path find one.
 *
 * Paths are matched segment by segment after dropping the query string (and any fragment) and
 * trailing slashes, so `/campaigns/`, `/campaigns?limit=5` and `/campaigns` are the same route.
 * A known path asked with another method is a 405 (with `Allow`); any other path is a 404.
 */
import { NotFoundError } from '../errors.js';
import { excerpt, MethodNotAllowedError } from './http-errors.js';

/** What the handler does for a request. */
export type RouteName =
  | 'livePage'
  | 'events'
  | 'listCampaigns'
  | 'createCampaign'
  | 'getCampaign'
  | 'stopCampaign'
  | 'getReport'
  | 'listSchedules'
  | 'createSchedule'
  | 'getSchedule'
  | 'deleteSchedule'
  | 'pauseSchedule'
  | 'resumeSchedule'
  | 'triggerSchedule';

/** A request matched to a route. */
export interface RouteMatch {
  route: RouteName;
  /** The `{id}` path segment exactly as sent (not yet validated, not percent-decoded). */
  campaignId?: string;
  /** The `{id}` segment of a `/schedules/{id}…` route, likewise as sent. */
  scheduleId?: string;
  /** The query string's parameters (empty when there is none). */
  query: URLSearchParams;
}

const ID = '{id}';

interface RouteShape {
  segments: readonly string[];
  methods: ReadonlyMap<string, RouteName>;
}

const ROUTES: readonly RouteShape[] = [
  { segments: [], methods: new Map([['GET', 'livePage']]) },
  { segments: ['events'], methods: new Map([['GET', 'events']]) },
  {
    segments: ['campaigns'],
    methods: new Map([
      ['GET', 'listCampaigns'],
      ['POST', 'createCampaign'],
    ]),
  },
  { segments: ['campaigns', ID], methods: new Map([['GET', 'getCampaign']]) },
  { segments: ['campaigns', ID, 'stop'], methods: new Map([['POST', 'stopCampaign']]) },
  { segments: ['campaigns', ID, 'report'], methods: new Map([['GET', 'getReport']]) },
  {
    segments: ['schedules'],
    methods: new Map([
      ['GET', 'listSchedules'],
      ['POST', 'createSchedule'],
    ]),
  },
  {
    segments: ['schedules', ID],
    methods: new Map([
      ['GET', 'getSchedule'],
      ['DELETE', 'deleteSchedule'],
    ]),
  },
  { segments: ['schedules', ID, 'pause'], methods: new Map([['POST', 'pauseSchedule']]) },
  { segments: ['schedules', ID, 'resume'], methods: new Map([['POST', 'resumeSchedule']]) },
  { segments: ['schedules', ID, 'trigger'], methods: new Map([['POST', 'triggerSchedule']]) },
];

/** `GET /`, `GET /campaigns`, …: for the message of an unknown route. */
const ROUTE_LIST = ROUTES.flatMap((shape) => [...shape.methods.keys()].map((m) => `${m} /${shape.segments.join('/')}`)).join(', ');

/**
 * Finds the route for `method` and `path`.
 * @throws NotFoundError when no route has this path; MethodNotAllowedError when one has, but not for `method`.
 */
export function matchRoute(method: string, path: string): RouteMatch {
  const cut = path.search(/[?#]/);
  const pathname = cut === -1 ? path : path.slice(0, cut);
  const query = new URLSearchParams(cut === -1 || path[cut] === '#' ? '' : path.slice(cut + 1).split('#')[0]);
  const segments = splitPath(pathname);
  if (segments) {
    for (const shape of ROUTES) {
      const campaignId = matchSegments(shape.segments, segments);
      if (campaignId === null) continue;
      const route = shape.methods.get(method);
      if (!route) throw new MethodNotAllowedError(method, pathname, [...shape.methods.keys()]);
      if (campaignId === undefined) return { route, query };
      return shape.segments[0] === 'schedules' ? { route, scheduleId: campaignId, query } : { route, campaignId, query };
    }
  }
  throw new NotFoundError(`no route for ${excerpt(method)} ${excerpt(pathname)}; the routes are ${ROUTE_LIST}`);
}

/** `/a/b/` → `['a', 'b']`; `/` → `[]`; `undefined` for a path that does not start with `/`. */
function splitPath(pathname: string): string[] | undefined {
  if (!pathname.startsWith('/')) return undefined;
  const trimmed = pathname.replace(/\/+$/, '');
  return trimmed === '' ? [] : trimmed.slice(1).split('/');
}

/** `null` when the shapes differ, else the `{id}` segment (`undefined` when the route has none). */
function matchSegments(shape: readonly string[], segments: readonly string[]): string | undefined | null {
  if (shape.length !== segments.length) return null;
  let campaignId: string | undefined;
  for (let i = 0; i < shape.length; i++) {
    const segment = segments[i] as string;
    if (shape[i] === ID) campaignId = segment;
    else if (shape[i] !== segment) return null;
  }
  return campaignId;
}
