/**
 * The Lambdas' logging: Powertools' Logger (level filter, Lambda context, correlation ids)
 * behind the small port core logs through (`core/log.ts`'s `Logger`), so core never imports
 * Powertools and a line reads the same in CloudWatch as on a local fleet's stdout.
 *
 * A line is one JSON object: `at` (ISO-8601, UTC), `level` (`debug` … `error`), `event` (what
 * happened), then the fields the caller gave under the names core gives them (`campaignId`,
 * `shardId`, `generation`, `taskId`, `reason`, …: the local logger's names), then what Powertools
 * adds under its own documented names: `correlation_id` (the API Gateway request id, the SQS
 * message id or the EventBridge event id of what is being handled), `service`, `cold_start`,
 * `function_request_id`, `function_name`, `xray_trace_id` when known.
 *
 * The threshold is Powertools' (`POWERTOOLS_LOG_LEVEL`, legacy `LOG_LEVEL`; Lambda's own
 * `AWS_LAMBDA_LOG_LEVEL` wins when set): the stack sets it per function
 * (`infra/constructs/control-plane.ts`, INFO unless said otherwise). Never on a per-tick path:
 * the engine logs through `core/log.ts` directly.
 */
import { LogFormatter, LogItem, Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import type { LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';
import type { Context } from 'aws-lambda';
import type { Logger } from '../core/log.js';

/** Formats Powertools' log items with the local logger's names for the fields both write (`at`, `level`, `event`). */
export class ArbfleetLogFormatter extends LogFormatter {
  override formatAttributes(attributes: UnformattedAttributes, additionalLogAttributes: LogAttributes): LogItem {
    const context = attributes.lambdaContext;
    return new LogItem({
      attributes: {
        at: attributes.timestamp.toISOString(),
        level: attributes.logLevel.toLowerCase(),
        event: attributes.message,
      },
    })
      .addAttributes(additionalLogAttributes)
      .addAttributes({
        service: attributes.serviceName,
        cold_start: context?.coldStart,
        function_name: context?.functionName,
        function_request_id: context?.awsRequestId,
        xray_trace_id: attributes.xRayTraceId,
      });
  }
}

/** The Lambdas' logger: Powertools behind the port, and what stamps correlation ids on its lines. */
export interface LambdaLog {
  /** What core services log through (`FleetContext.log`). */
  readonly port: Logger;
  /**
   * Runs `work` with `correlationId` on every line logged meanwhile, however deep in a service
   * (Powertools' `setCorrelationId`, i.e. `appendKeys({ correlation_id })`), and, when given, the
   * Lambda `context`'s keys (`addContext`); the previous correlation id is back afterwards, so a
   * batch's records each carry their own. An undefined id leaves the current one.
   */
  correlated<R>(correlationId: string | undefined, work: () => Promise<R>, context?: Context): Promise<R>;
}

/**
 * Builds the Lambdas' logger. Its level and service name come from the environment when it is
 * built (`POWERTOOLS_LOG_LEVEL`, `POWERTOOLS_SERVICE_NAME`; default INFO, `service_undefined`).
 */
export function createLambdaLog(): LambdaLog {
  const logger = new PowertoolsLogger({ logFormatter: new ArbfleetLogFormatter() });
  return {
    port: {
      log(level, event, fields) {
        if (fields) logger[level](event, fields);
        else logger[level](event);
      },
    },
    async correlated(correlationId, work, context) {
      if (context) logger.addContext(context);
      const previous = logger.getCorrelationId();
      if (correlationId !== undefined) logger.setCorrelationId(correlationId);
      try {
        return await work();
      } finally {
        if (previous === undefined) logger.removeKeys(['correlation_id']);
        else logger.setCorrelationId(previous);
      }
    },
  };
}

/** The id of an API Gateway request (`requestContext.requestId`), an EventBridge event (`id`), if the event has one. */
export function correlationIdOf(event: unknown): string | undefined {
  if (typeof event !== 'object' || event === null) return undefined;
  const { requestContext, id } = event as { requestContext?: { requestId?: unknown }; id?: unknown };
  if (typeof requestContext?.requestId === 'string') return requestContext.requestId;
  return typeof id === 'string' ? id : undefined;
}
