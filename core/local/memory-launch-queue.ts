import type { Clock } from '../clock.js';
import { ValidationError } from '../errors.js';
import type { LaunchMessage, LaunchQueue, ReceivedMessage } from '../ports.js';

/** How the queue redelivers and when it gives up: the same two knobs as an SQS queue with a redrive policy. */
export interface MemoryLaunchQueueOptions {
  /** Seconds a received message stays hidden; undeleted after that, it is delivered again. */
  visibilityTimeoutSec: number;
  /** Deliveries after which an undeleted message goes to the dead letters instead of a next delivery. */
  maxReceives: number;
}

/** SQS's limits, kept here so that nothing local relies on more than AWS allows. */
const MAX_DELAY_SEC = 900;
const MAX_BATCH = 10;

interface QueuedMessage {
  messageId: string;
  body: LaunchMessage;
  /** When it may next be delivered, ms since the epoch (after a delay or a visibility timeout). */
  visibleAt: number;
  receiveCount: number;
  /** The receipt of the latest delivery; only it deletes the message. */
  receipt: string | undefined;
  /** Send order, to deliver deterministically among messages visible at the same time. */
  order: number;
}

/**
 * The launch queue of a local fleet, in process, with the semantics the control plane relies on
 * from SQS: per-message delay, a visibility timeout after which an undeleted message is delivered
 * again (at least once), and dead letters after `maxReceives` deliveries. Time comes from the
 * injected clock, so tests move it by hand.
 */
export class MemoryLaunchQueue implements LaunchQueue {
  private readonly messages = new Map<string, QueuedMessage>();
  private readonly dead: LaunchMessage[] = [];
  private readonly sendListeners = new Set<() => void>();
  private sent = 0;

  constructor(
    private readonly clock: Clock,
    private readonly options: MemoryLaunchQueueOptions,
  ) {
    checkOptions(options);
  }

  /** Enqueues `message`, deliverable after `delaySec` (0 to 900, as SQS allows). */
  async send(message: LaunchMessage, delaySec = 0): Promise<void> {
    checkDelay(delaySec);
    const order = this.sent++;
    const messageId = `launch-${order}`;
    this.messages.set(messageId, {
      messageId,
      body: { ...message },
      visibleAt: this.clock.now() + delaySec * 1000,
      receiveCount: 0,
      receipt: undefined,
      order,
    });
    for (const listener of this.sendListeners) listener();
  }

  /**
   * Calls `listener` after every `send` (delayed or not), so that a consumer in the same process
   * can receive at once instead of at its next poll (SQS's long polling, in process). Returns the
   * unsubscribe function.
   */
  onSent(listener: () => void): () => void {
    this.sendListeners.add(listener);
    return () => {
      this.sendListeners.delete(listener);
    };
  }

  /**
   * Delivers up to `maxMessages` (1 to 10, as SQS allows) visible messages, oldest first, and
   * hides each for the visibility timeout. A message already delivered `maxReceives` times moves
   * to the dead letters instead.
   */
  async receive(maxMessages: number): Promise<ReceivedMessage<LaunchMessage>[]> {
    if (!Number.isInteger(maxMessages) || maxMessages < 1 || maxMessages > MAX_BATCH) {
      throw new ValidationError([{ path: 'maxMessages', message: `expected an integer from 1 to ${MAX_BATCH}, found ${maxMessages}` }]);
    }
    const now = this.clock.now();
    this.redriveExhausted(now);
    const visible = [...this.messages.values()].filter((m) => m.visibleAt <= now).sort((a, b) => a.visibleAt - b.visibleAt || a.order - b.order);
    return visible.slice(0, maxMessages).map((message) => {
      message.receiveCount += 1;
      message.receipt = `${message.messageId}#${message.receiveCount}`;
      message.visibleAt = now + this.options.visibilityTimeoutSec * 1000;
      return { messageId: message.messageId, receipt: message.receipt, receiveCount: message.receiveCount, body: { ...message.body } };
    });
  }

  /**
   * Deletes the message `receipt` was delivered with. As with SQS, a receipt from an earlier
   * delivery of a message that has been delivered again, or of a message already gone, deletes
   * nothing: the newer delivery's holder owns it now.
   */
  async delete(receipt: string): Promise<void> {
    const messageId = receipt.slice(0, receipt.lastIndexOf('#'));
    const message = this.messages.get(messageId);
    if (message && message.receipt === receipt) this.messages.delete(messageId);
  }

  async retryAfter(receipt: string, delaySec: number): Promise<void> {
    checkDelay(delaySec);
    const messageId = receipt.slice(0, receipt.lastIndexOf('#'));
    const message = this.messages.get(messageId);
    if (message && message.receipt === receipt) message.visibleAt = this.clock.now() + delaySec * 1000;
  }

  /** Messages delivered `maxReceives` times and never deleted, in the order they were given up on. */
  async deadLetters(): Promise<LaunchMessage[]> {
    this.redriveExhausted(this.clock.now());
    return this.dead.map((body) => ({ ...body }));
  }

  /** Moves every message whose last allowed delivery timed out to the dead letters. */
  private redriveExhausted(now: number): void {
    const exhausted = [...this.messages.values()]
      .filter((m) => m.receiveCount >= this.options.maxReceives && m.visibleAt <= now)
      .sort((a, b) => a.order - b.order);
    for (const message of exhausted) {
      this.messages.delete(message.messageId);
      this.dead.push(message.body);
    }
  }
}

function checkOptions(options: MemoryLaunchQueueOptions): void {
  const issues = [];
  if (!Number.isFinite(options.visibilityTimeoutSec) || options.visibilityTimeoutSec < 0) {
    issues.push({ path: 'visibilityTimeoutSec', message: `expected a number of seconds >= 0, found ${options.visibilityTimeoutSec}` });
  }
  if (!Number.isInteger(options.maxReceives) || options.maxReceives < 1) {
    issues.push({ path: 'maxReceives', message: `expected an integer >= 1, found ${options.maxReceives}` });
  }
  if (issues.length > 0) throw new ValidationError(issues, 'MemoryLaunchQueue options');
}

/** A delay SQS would take: 0 to 900 seconds. */
function checkDelay(delaySec: number): void {
  if (!Number.isFinite(delaySec) || delaySec < 0 || delaySec > MAX_DELAY_SEC) {
    throw new ValidationError([{ path: 'delaySec', message: `expected 0 to ${MAX_DELAY_SEC} seconds, found ${delaySec}` }]);
  }
}
