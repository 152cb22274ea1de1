/**
 * The launch queue on AWS: an SQS standard queue with a dead-letter queue. The semantics the
 * control plane relies on (see `LaunchQueue` and its local twin, `MemoryLaunchQueue`) map onto SQS
 * one to one: per-message delay is `DelaySeconds`, redelivery is the queue's visibility timeout,
 * `receiveCount` is `ApproximateReceiveCount`, and dead-lettering after `maxReceives` deliveries
 * is the queue's `RedrivePolicy` (`maxReceiveCount`), declared by the CDK stack or, for tests and
 * LocalStack, by `createLaunchQueues`.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type Message,
} from '@aws-sdk/client-sqs';
import { z } from 'zod';
import { ValidationError, type FieldIssue } from '../errors.js';
import { createLogger, type Logger } from '../log.js';
import type { LaunchMessage, LaunchQueue, ReceivedMessage } from '../ports.js';
import type { ControlPlaneClients } from './control-plane-clients.js';

/** SQS's longest per-message delay; a longer backoff is re-queued by the LaunchService when the message comes back. */
export const SQS_MAX_DELAY_SEC = 900;
/** SQS's largest receive batch. */
export const SQS_MAX_BATCH = 10;
/** SQS's longest long poll. */
const SQS_MAX_WAIT_SEC = 20;
/** How long `deadLetters()` hides the dead letters while it reads them all (they are made visible again after). */
const PEEK_HIDE_SEC = 30;
/** `deadLetters()` reads at most this many messages (a DLQ that deep is an incident, not a list). */
const PEEK_MAX_MESSAGES = 1_000;
/** The DLQ keeps its messages as long as SQS allows (14 days), so a human has time to look. */
const DLQ_RETENTION_SEC = 1_209_600;
/** How much of a malformed body a log line carries. */
const MALFORMED_BODY_CHARS = 256;

/** The body of a launch message, as the launcher Lambda and `receive` accept it. Unknown fields are dropped. */
export const LaunchMessageSchema = z.object({
  campaignId: z.string().min(1),
  shardId: z.string().min(1),
  generation: z.number().int().nonnegative(),
});

/**
 * Parses and validates the body of a launch message (JSON of a `LaunchMessage`).
 * @throws ValidationError naming the field (or the JSON error) and `source`, when given.
 */
export function parseLaunchMessage(body: string, source = 'launch message'): LaunchMessage {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    throw new ValidationError([{ path: '', message: `expected a JSON object, found ${preview(body)} (${(error as Error).message})` }], source);
  }
  const parsed = LaunchMessageSchema.safeParse(json);
  if (!parsed.success) {
    const issues: FieldIssue[] = parsed.error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
    throw new ValidationError(issues, source);
  }
  return parsed.data;
}

export interface SqsLaunchQueueOptions {
  clients: ControlPlaneClients;
  queueUrl: string;
  /**
   * The dead-letter queue `deadLetters()` reads. When absent it is found from the queue's
   * `RedrivePolicy`; a queue without one never dead-letters anything.
   */
  deadLetterQueueUrl?: string;
  /** Long-poll seconds of `receive` (0 to 20, default 1): short, so a local loop stays responsive. */
  waitTimeSec?: number;
  /** Where a malformed message is reported (default: JSON lines on stdout). */
  log?: Logger;
}

/**
 * The `LaunchQueue` port on SQS.
 *
 * A malformed body (not JSON, or not a `LaunchMessage`) is reported, not thrown: `receive` logs a
 * `malformed launch message` warning with the message id, receive count and the start of the body,
 * leaves it out of the batch and does not delete it. SQS then redelivers it after the visibility
 * timeout until the redrive policy moves it to the DLQ, where the DLQ-depth alarm makes a human
 * look. One poison message therefore never blocks or fails the good ones beside it, and is never
 * silently lost. (The launcher Lambda, which reads SQS through its event source instead, gets the
 * same outcome by letting `parseLaunchMessage` throw for that record only.)
 */
export class SqsLaunchQueue implements LaunchQueue {
  private readonly clients: ControlPlaneClients;
  private readonly queueUrl: string;
  private deadLetterQueueUrl: string | null | undefined;
  private readonly waitTimeSec: number;
  private readonly log: Logger;

  constructor(options: SqsLaunchQueueOptions) {
    this.clients = options.clients;
    this.queueUrl = options.queueUrl;
    this.deadLetterQueueUrl = options.deadLetterQueueUrl;
    this.waitTimeSec = options.waitTimeSec ?? 1;
    this.log = options.log ?? createLogger({ pretty: false });
    checkOptions(options, this.waitTimeSec);
  }

  /**
   * Enqueues `message`, deliverable after `delaySec`. Delays are rounded up to whole seconds (a
   * launch never comes early) and capped at SQS's 900 s: a message that comes back before the
   * shard's backoff has run out is re-queued by the LaunchService for the rest.
   * @throws ValidationError for an invalid message or a negative or non-finite delay.
   */
  async send(message: LaunchMessage, delaySec = 0): Promise<void> {
    if (!Number.isFinite(delaySec) || delaySec < 0) {
      throw new ValidationError([{ path: 'delaySec', message: `expected seconds >= 0, found ${delaySec}` }], 'SqsLaunchQueue.send');
    }
    const body = LaunchMessageSchema.safeParse(message);
    if (!body.success) {
      throw new ValidationError(
        body.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
        'SqsLaunchQueue.send',
      );
    }
    await this.clients.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify(body.data),
        DelaySeconds: Math.min(SQS_MAX_DELAY_SEC, Math.ceil(delaySec)),
      }),
    );
  }

  /**
   * Receives up to `maxMessages` (1 to 10) messages, long-polling at most `waitTimeSec`. Each stays
   * hidden for the queue's visibility timeout; `receiveCount` is SQS's `ApproximateReceiveCount`
   * (a duplicate delivery shows as a count above 1). Malformed bodies are reported and left out.
   */
  async receive(maxMessages: number): Promise<ReceivedMessage<LaunchMessage>[]> {
    if (!Number.isInteger(maxMessages) || maxMessages < 1 || maxMessages > SQS_MAX_BATCH) {
      throw new ValidationError(
        [{ path: 'maxMessages', message: `expected an integer from 1 to ${SQS_MAX_BATCH}, found ${maxMessages}` }],
        'SqsLaunchQueue.receive',
      );
    }
    const { Messages = [] } = await this.clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.queueUrl,
        MaxNumberOfMessages: maxMessages,
        WaitTimeSeconds: this.waitTimeSec,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
    );
    const received: ReceivedMessage<LaunchMessage>[] = [];
    for (const message of Messages) {
      const body = this.bodyOf(message, this.queueUrl);
      if (body === undefined) continue;
      received.push({
        messageId: message.MessageId ?? '',
        receipt: message.ReceiptHandle ?? '',
        receiveCount: receiveCountOf(message),
        body,
      });
    }
    return received;
  }

  /**
   * Deletes the delivery `receipt` came with. A receipt SQS no longer recognises (the message is
   * already gone) deletes nothing and is not an error, as in the local queue.
   */
  async delete(receipt: string): Promise<void> {
    try {
      await this.clients.sqs.send(new DeleteMessageCommand({ QueueUrl: this.queueUrl, ReceiptHandle: receipt }));
    } catch (error) {
      if (errorName(error) === 'ReceiptHandleIsInvalid') return;
      throw error;
    }
  }

  /**
   * Makes the delivery visible again in `delaySec` (rounded up to whole seconds; SQS's
   * `ChangeMessageVisibility`). A receipt SQS no longer recognises changes nothing.
   */
  async retryAfter(receipt: string, delaySec: number): Promise<void> {
    if (!Number.isFinite(delaySec) || delaySec < 0 || delaySec > SQS_MAX_DELAY_SEC) {
      throw new ValidationError([{ path: 'delaySec', message: `expected 0 to ${SQS_MAX_DELAY_SEC} seconds, found ${delaySec}` }], 'SqsLaunchQueue.retryAfter');
    }
    try {
      await this.clients.sqs.send(
        new ChangeMessageVisibilityCommand({ QueueUrl: this.queueUrl, ReceiptHandle: receipt, VisibilityTimeout: Math.ceil(delaySec) }),
      );
    } catch (error) {
      if (errorName(error) === 'ReceiptHandleIsInvalid' || errorName(error) === 'MessageNotInflight') return;
      throw error;
    }
  }

  /**
   * The launch messages in the dead-letter queue, oldest sent first, without consuming them: each
   * is received (hidden for a moment so that every message is read once) and then made visible
   * again. Reads at most 1000. Malformed dead letters are reported and left out.
   */
  async deadLetters(): Promise<LaunchMessage[]> {
    const url = await this.resolveDeadLetterQueueUrl();
    if (url === null) return [];
    const seen = new Map<string, Message>();
    while (seen.size < PEEK_MAX_MESSAGES) {
      const { Messages = [] } = await this.clients.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: SQS_MAX_BATCH,
          WaitTimeSeconds: 1,
          VisibilityTimeout: PEEK_HIDE_SEC,
          MessageSystemAttributeNames: ['SentTimestamp', 'ApproximateReceiveCount'],
        }),
      );
      const fresh = Messages.filter((m) => m.MessageId !== undefined && !seen.has(m.MessageId));
      if (fresh.length === 0) break;
      for (const message of fresh) seen.set(message.MessageId as string, message);
    }
    const messages = [...seen.values()];
    await this.makeVisible(url, messages);
    messages.sort((a, b) => sentAt(a) - sentAt(b) || (a.MessageId ?? '').localeCompare(b.MessageId ?? ''));
    return messages.map((m) => this.bodyOf(m, url)).filter((b): b is LaunchMessage => b !== undefined);
  }

  private bodyOf(message: Message, queueUrl: string): LaunchMessage | undefined {
    try {
      return parseLaunchMessage(message.Body ?? '', `launch message ${message.MessageId ?? '?'}`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      this.log.log('warn', 'malformed launch message', {
        queueUrl,
        messageId: message.MessageId,
        receiveCount: receiveCountOf(message),
        body: preview(message.Body ?? ''),
        error: error.message,
      });
      return undefined;
    }
  }

  private async makeVisible(url: string, messages: Message[]): Promise<void> {
    for (let i = 0; i < messages.length; i += SQS_MAX_BATCH) {
      const chunk = messages.slice(i, i + SQS_MAX_BATCH);
      await this.clients.sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: url,
          Entries: chunk.map((m, n) => ({ Id: String(n), ReceiptHandle: m.ReceiptHandle ?? '', VisibilityTimeout: 0 })),
        }),
      );
    }
  }

  /** The DLQ's URL: as configured, else from the queue's redrive policy; null when there is none. */
  private async resolveDeadLetterQueueUrl(): Promise<string | null> {
    if (this.deadLetterQueueUrl !== undefined) return this.deadLetterQueueUrl;
    const { Attributes = {} } = await this.clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: this.queueUrl, AttributeNames: ['RedrivePolicy'] }));
    const policy = Attributes.RedrivePolicy;
    if (policy === undefined) {
      this.deadLetterQueueUrl = null;
      return null;
    }
    const arn = (JSON.parse(policy) as { deadLetterTargetArn?: string }).deadLetterTargetArn;
    const [, , , , account, name] = (arn ?? '').split(':');
    if (!account || !name) throw new Error(`SqsLaunchQueue: the RedrivePolicy of ${this.queueUrl} names no dead-letter queue ARN: ${policy}`);
    const { QueueUrl } = await this.clients.sqs.send(new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: account }));
    this.deadLetterQueueUrl = QueueUrl ?? null;
    return this.deadLetterQueueUrl;
  }
}

/** The two queues of a launch queue and their ARNs. */
export interface LaunchQueues {
  queueUrl: string;
  queueArn: string;
  deadLetterQueueUrl: string;
  deadLetterQueueArn: string;
}

export interface LaunchQueueSettings {
  /** Deliveries after which an undeleted message moves to the DLQ (the redrive policy's `maxReceiveCount`). */
  maxReceives: number;
  /** Seconds a received message stays hidden before it is delivered again. */
  visibilityTimeoutSec: number;
}

/**
 * Creates (or finds, when they exist with the same attributes) the launch queue `name` and its
 * dead-letter queue `<name>-dlq`, the first redriving to the second after `maxReceives`
 * deliveries. For tests and LocalStack: the CDK stack declares the same two queues.
 * @throws ValidationError for a name or setting SQS would refuse.
 */
export async function createLaunchQueues(clients: ControlPlaneClients, name: string, settings: LaunchQueueSettings): Promise<LaunchQueues> {
  checkQueueSettings(name, settings);
  const dlqName = `${name}-dlq`;
  const dlq = await clients.sqs.send(new CreateQueueCommand({ QueueName: dlqName, Attributes: { MessageRetentionPeriod: String(DLQ_RETENTION_SEC) } }));
  const deadLetterQueueUrl = required(dlq.QueueUrl, `CreateQueue ${dlqName}: no QueueUrl`);
  const deadLetterQueueArn = await queueArn(clients, deadLetterQueueUrl);
  const queue = await clients.sqs.send(
    new CreateQueueCommand({
      QueueName: name,
      Attributes: {
        VisibilityTimeout: String(settings.visibilityTimeoutSec),
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: deadLetterQueueArn, maxReceiveCount: settings.maxReceives }),
      },
    }),
  );
  const queueUrl = required(queue.QueueUrl, `CreateQueue ${name}: no QueueUrl`);
  return { queueUrl, queueArn: await queueArn(clients, queueUrl), deadLetterQueueUrl, deadLetterQueueArn };
}

async function queueArn(clients: ControlPlaneClients, queueUrl: string): Promise<string> {
  const { Attributes = {} } = await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
  return required(Attributes.QueueArn, `GetQueueAttributes ${queueUrl}: no QueueArn`);
}

function required(value: string | undefined, what: string): string {
  if (value === undefined || value === '') throw new Error(what);
  return value;
}

function receiveCountOf(message: Message): number {
  const count = Number(message.Attributes?.ApproximateReceiveCount);
  return Number.isInteger(count) && count > 0 ? count : 1;
}

function sentAt(message: Message): number {
  const at = Number(message.Attributes?.SentTimestamp);
  return Number.isFinite(at) ? at : 0;
}

function errorName(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'name' in error ? String((error as { name: unknown }).name) : undefined;
}

/** The start of a body, quoted, for a log line or an error. */
function preview(body: string): string {
  return JSON.stringify(body.length > MALFORMED_BODY_CHARS ? `${body.slice(0, MALFORMED_BODY_CHARS)}…` : body);
}

function checkOptions(options: SqsLaunchQueueOptions, waitTimeSec: number): void {
  const issues: FieldIssue[] = [];
  if (!options.queueUrl) issues.push({ path: 'queueUrl', message: 'expected the URL of the launch queue, found nothing' });
  if (!Number.isInteger(waitTimeSec) || waitTimeSec < 0 || waitTimeSec > SQS_MAX_WAIT_SEC) {
    issues.push({ path: 'waitTimeSec', message: `expected an integer from 0 to ${SQS_MAX_WAIT_SEC}, found ${waitTimeSec}` });
  }
  if (issues.length > 0) throw new ValidationError(issues, 'SqsLaunchQueue options');
}

function checkQueueSettings(name: string, settings: LaunchQueueSettings): void {
  const issues: FieldIssue[] = [];
  // SQS allows 80 characters; the DLQ's name adds "-dlq".
  if (!/^[A-Za-z0-9_-]{1,76}$/.test(name)) {
    issues.push({ path: 'name', message: `expected 1 to 76 letters, digits, "-" or "_" (the DLQ adds "-dlq"), found ${JSON.stringify(name)}` });
  }
  if (!Number.isInteger(settings.maxReceives) || settings.maxReceives < 1 || settings.maxReceives > 1000) {
    issues.push({ path: 'maxReceives', message: `expected an integer from 1 to 1000, found ${settings.maxReceives}` });
  }
  if (!Number.isInteger(settings.visibilityTimeoutSec) || settings.visibilityTimeoutSec < 0 || settings.visibilityTimeoutSec > 43_200) {
    issues.push({ path: 'visibilityTimeoutSec', message: `expected an integer from 0 to 43200 seconds, found ${settings.visibilityTimeoutSec}` });
  }
  if (issues.length > 0) throw new ValidationError(issues, 'createLaunchQueues');
}
