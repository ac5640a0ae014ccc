// What a door label's QR code carries, and how the opening finder reads a typed or
// scanned tag. A label names its site and its opening:
//   DOORCX:site=<site name>;door=<opening id>   (both percent-encoded, so the payload is
//   plain ASCII: keyboard-wedge scanners type ASCII reliably, and neither ';' nor '='
//   inside a name can split it).
// The site's name is its identity: unique in a database and the same on every device
// that syncs the site (the local row id differs from device to device).
// Labels printed before sites were named carry "DOORCX:<opening id>" and still work;
// a bare opening id, as typed by hand, too.

const PREFIX = 'DOORCX:';
const LABELLED = /^doorcx:site=([^;]*);door=(.+)$/i;

export interface DoorTag {
  openingId: string;
  /** The site the label was printed for; null for an old label or a typed id. */
  site: string | null;
}

export const doorLabelPayload = (site: string, openingId: string): string =>
  `${PREFIX}site=${encodeURIComponent(site)};door=${encodeURIComponent(openingId)}`;

/** Reads a tag. A damaged percent-escape leaves the text as a plain id (which then matches nothing). */
export function parseDoorTag(text: string): DoorTag {
  const t = text.trim();
  const m = LABELLED.exec(t);
  if (m) {
    try {
      return { site: decodeURIComponent(m[1]!).normalize('NFC'), openingId: decodeURIComponent(m[2]!).trim() };
    } catch {
      return { site: null, openingId: t };
    }
  }
  return { site: null, openingId: t.replace(/^doorcx:/i, '').trim() };
}

/** Whether a label printed for `labelSite` belongs to the site named `site`. */
export const sameSite = (labelSite: string, site: string): boolean => labelSite.normalize('NFC') === site.normalize('NFC');
