/**
 * What was known about a task when it was judged dead, in one line a person reads: exit code or
 * signal, the stop reason, how old its last heartbeat was, its last RSS. The stderr tail is
 * shown apart, verbatim, by each renderer.
 */
import type { CauseDetail } from '../model/records.js';
import { formatBytes, formatNumber } from './report-format.js';

/** The evidence of a restart's cause, without the stderr tail (`—` when nothing is known). */
export function causeEvidence(detail: CauseDetail): string {
  const parts: string[] = [];
  if (detail.exitCode !== undefined && detail.exitCode !== null) parts.push(`exit code ${detail.exitCode}`);
  if (detail.signal) parts.push(`signal ${detail.signal}`);
  if (detail.stopCode) parts.push(`stop code ${detail.stopCode}`);
  if (detail.stoppedReason) parts.push(`stopped: ${detail.stoppedReason}`);
  if (detail.lastHeartbeatAgeSec !== undefined && detail.lastHeartbeatAgeSec !== null) {
    parts.push(`last heartbeat ${formatNumber(detail.lastHeartbeatAgeSec, 1)} s old`);
  }
  if (detail.lastRssBytes !== undefined && detail.lastRssBytes !== null) parts.push(`last RSS ${formatBytes(detail.lastRssBytes)}`);
  if (detail.note) parts.push(detail.note);
  return parts.length > 0 ? parts.join(', ') : '—';
}
