// Remembers each site's last schedule view (search, filters, sort) for this tab,
// so "back to schedule" from an opening returns to the same list.
const views = new Map<number, string>();

export function rememberScheduleView(siteId: number, hash: string): void {
  views.set(siteId, hash);
}

export function scheduleViewHref(siteId: number): string {
  return views.get(siteId) ?? `#/sites/${siteId}`;
}
