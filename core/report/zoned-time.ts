/**
 * Instants for people in a schedule's own zone beside UTC, and spans from now in words: what
 * `arbfleet schedule` prints (`cli/schedule-output.ts`) and the console's schedules table shows
 * (`console-page.ts`). Zone names and abbreviations come from the platform's ICU (`Intl`).
 */

/** `2026-12-08 09:00 KST` in `zone` (24-hour clock, the zone's short name as the platform's ICU gives it). */
export function zonedTime(ms: number, zone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'short',
    })
      .formatToParts(ms)
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute} ${parts.timeZoneName}`;
}

/** `2026-12-08T00:00Z`: UTC to the minute. */
export function utcMinute(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16)}Z`;
}

/** `in 16h32m`, `in 2d3h`, `3m ago` from `now`, to the minute (`in <1m` under a minute). */
export function relative(ms: number, now: number): string {
  const minutes = Math.floor(Math.abs(ms - now) / 60_000);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const span =
    minutes === 0
      ? '<1m'
      : days > 0
        ? `${days}d${hours > 0 ? `${hours}h` : ''}`
        : hours > 0
          ? `${hours}h${minutes % 60 > 0 ? `${minutes % 60}m` : ''}`
          : `${minutes}m`;
  return ms >= now ? `in ${span}` : `${span} ago`;
}
