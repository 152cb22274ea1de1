/**
 * `api` Lambda: API Gateway (REST, proxy integration) → the same HTTP handler the local
 * `--api-port` server uses. Status codes and error bodies are identical in both places.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { createApiHandler, type ApiHandler } from '../core/api/api-handler.js';
import type { ApiRequest } from '../core/api/http-types.js';
import { renderLivePage } from '../core/report/render-live-page.js';
import { fleetRuntime, type FleetRuntime } from './fleet-runtime.js';
import { correlationIdOf } from './lambda-log.js';
import { scheduleServiceFor } from './scheduler-schedules.js';

/** Maps an API Gateway proxy event to the transport-neutral request. */
export function toApiRequest(event: APIGatewayProxyEvent): ApiRequest {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) headers[name.toLowerCase()] = value ?? undefined;
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(event.queryStringParameters ?? {})) if (value !== undefined) query.set(name, value);
  const search = query.toString();
  return {
    method: event.httpMethod,
    path: search ? `${event.path}?${search}` : event.path,
    headers,
    body: event.body ?? undefined,
    isBase64Encoded: event.isBase64Encoded,
  };
}

/** The handler for a given runtime (tests build one against the emulator). */
export function apiHandlerFor(runtime: FleetRuntime): (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult> {
  const schedules = scheduleServiceFor(runtime);
  const api: ApiHandler = createApiHandler(runtime.campaigns, {
    log: (event, fields) => runtime.context.log.log('error', event, fields),
    schedules,
    livePage: async (campaignId) => {
      const id = campaignId ?? (await runtime.campaigns.listCampaigns())[0]?.campaignId;
      if (!id) return '<!doctype html><title>arbfleet</title><p>No campaigns yet.</p>';
      return renderLivePage({ ...(await runtime.campaigns.getCampaign(id)), now: runtime.context.clock.now(), schedules: await schedules.listSchedules() });
    },
  });
  return async (event) => {
    const response = await api(toApiRequest(event));
    return { statusCode: response.status, headers: response.headers, body: response.body };
  };
}

let cached: ((event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>) | undefined;

/** Every line logged while a request is handled carries its API Gateway request id as `correlation_id`. */
export const handler = async (event: APIGatewayProxyEvent, context?: Context): Promise<APIGatewayProxyResult> => {
  const runtime = fleetRuntime();
  cached ??= apiHandlerFor(runtime);
  const api = cached;
  return runtime.log.correlated(correlationIdOf(event), () => api(event), context);
};
