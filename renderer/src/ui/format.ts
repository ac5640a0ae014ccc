// Human words for the schedule's vocabulary values ('high-security' → 'High security').
const SPECIAL: Record<string, string> = {
  'fail-safe': 'Fail-safe',
  'fail-secure': 'Fail-secure',
  'delayed-egress-15': 'Delayed egress (15 s)',
  'delayed-egress-30': 'Delayed egress (30 s)',
  'electrified-exit-device': 'Electrified exit device',
};

export function humanize(value: string): string {
  const special = SPECIAL[value];
  if (special) return special;
  const words = value.replace(/[-_]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

export function formatWhen(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' });
}

/** A time of day, the same way everywhere: 14:05:09. */
export function formatTime(at: number | string | Date): string {
  const d = new Date(at);
  if (Number.isNaN(d.getTime())) return String(at);
  return d.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}
