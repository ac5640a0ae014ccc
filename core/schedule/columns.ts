// Header matching: a file's column headers → canonical opening fields.
// Matching ignores case, spaces, punctuation and a BOM ("Opening #" ≡ "opening"),
// and accepts the aliases real exports use (documented in docs/schedule-import.md).
// A supplier's "Heading" is deliberately not an alias of hardware_set: the two can
// differ (a supplier heading is not the hardware set), so it is kept as an extra column.
import { squash } from './normalize';
import { OPENING_FIELD_NAMES } from './schema';
import type { OpeningField } from './types';

/** Aliases per canonical column, as people write them; matched after squash(). */
export const HEADER_ALIASES: Record<OpeningField, readonly string[]> = {
  opening_id: [
    'Opening',
    'Opening #',
    'Opening No',
    'Opening Number',
    'Opening ID',
    'Door',
    'Door #',
    'Door No.',
    'Door Number',
    'Door ID',
    'Door Mark',
    'Mark',
    'Tag',
    'Door Tag',
  ],
  building: ['Building', 'Bldg', 'Bldg.', 'Building Name'],
  floor: ['Floor', 'Level', 'Storey', 'Story', 'Flr'],
  location: ['Location', 'Room', 'Room Name', 'Description', 'Door Location', 'From/To', 'Area'],
  door_type: ['Door Type', 'Door Material', 'Leaf Type', 'Door Elevation'],
  frame_type: ['Frame Type', 'Frame', 'Frame Material', 'Frame Elevation'],
  fire_rating_min: ['Fire Rating', 'Rating', 'Fire Rating (min)', 'Fire Rating Min', 'Label', 'Fire Label', 'FR'],
  category: ['Category', 'Door Category', 'Opening Category'],
  locking_arrangement: ['Locking Arrangement', 'Arrangement', 'Egress Arrangement', 'Special Locking', 'Locking'],
  lock_type: ['Lock Type', 'Lock', 'Locking Device', 'Electrified Hardware', 'Lock Device'],
  fail_mode: ['Fail Mode', 'Fail Safe/Secure', 'Fail Safe / Fail Secure', 'FS/FSE', 'Failsafe', 'Fail Safe', 'Mode', 'Fail'],
  egress: ['Egress', 'Egress Type', 'Egress Strategy', 'Egress Method'],
  fire_alarm_release: [
    'Fire Alarm Release',
    'FA Release',
    'Fire Alarm',
    'FACP Release',
    'Release on Alarm',
    'FA Tie-in',
    'Fire Alarm Tie-in',
  ],
  hardware_set: ['Hardware Set', 'HW Set', 'HW', 'Hardware Group', 'Hardware', 'Hdw Set', 'Set'],
  power_supply: ['Power Supply', 'PS', 'Power', 'PSU'],
  lock_voltage: ['Lock Voltage', 'Voltage', 'Volts', 'V'],
  lock_current_ma: ['Lock Current', 'Lock Current mA', 'Lock Current (mA)', 'Current', 'Current (mA)', 'mA', 'Amperage'],
  pd_address: ['PD Address', 'PD', 'OSDP Address', 'Address', 'Panel Address'],
  lock_output: ['Lock Output', 'Lock Relay', 'Relay'],
  alarm_output: ['Alarm Output', 'FA Output', 'Alarm Relay'],
  dps_input: ['DPS Input', 'DPS', 'Door Position Input', 'Door Contact'],
  lock_status_input: ['Lock Status Input', 'Lock Status', 'LSI', 'Latch Status'],
  rex_input: ['REX Input', 'REX', 'RTE', 'Request to Exit'],
  code_basis: ['Code Basis', 'Code', 'Code Reference', 'Code Ref', 'Basis', 'AHJ'],
  ndaa_889: ['NDAA 889', 'NDAA', 'NDAA §889', 'Section 889', 'NDAA Compliant'],
  taa: ['TAA', 'TAA Compliant', 'Trade Agreements Act'],
  notes: ['Notes', 'Note', 'Remarks', 'Comments', 'Comment'],
  lock_status_active: ['Lock Status Active', 'Lock Status Polarity'],
  dps_active: ['DPS Active', 'DPS Polarity'],
  lock_output_active: ['Lock Output Active', 'Lock Output Polarity', 'Lock Relay Active', 'Lock Relay Polarity'],
  alarm_output_active: ['Alarm Output Active', 'Alarm Output Polarity', 'FA Output Active', 'Alarm Relay Polarity'],
};

const INDEX = (() => {
  const m = new Map<string, OpeningField>();
  for (const f of OPENING_FIELD_NAMES) {
    m.set(squash(f), f);
    for (const a of HEADER_ALIASES[f]) {
      const k = squash(a);
      const prev = m.get(k);
      if (prev && prev !== f) throw new Error(`Header alias "${a}" is claimed by both ${prev} and ${f}`);
      m.set(k, f);
    }
  }
  return m;
})();

export interface HeaderMatch {
  /** The header exactly as in the file (BOM removed). */
  sourceHeader: string;
  /** 0-based column index in the file. */
  index: number;
  column: OpeningField | null;
  how: string;
}

/** Strips a BOM and surrounding spaces, keeping the header as the user wrote it. */
export function cleanHeader(h: string): string {
  return h.replace(/^\uFEFF/, '').trim();
}

export function matchHeader(header: string): { column: OpeningField | null; how: string } {
  const clean = cleanHeader(header);
  const key = squash(clean);
  const field = INDEX.get(key);
  if (!field) return { column: null, how: 'unknown column: kept in extras' };
  if (clean === field) return { column: field, how: 'canonical name' };
  if (key === squash(field)) return { column: field, how: `canonical name (written "${clean}")` };
  return { column: field, how: `alias "${clean}"` };
}

export interface HeaderProblem {
  column: string;
  reason: string;
}

/**
 * Maps a header row. Two headers meaning the same field, a blank header over data, or a
 * missing required column are problems; unknown headers are kept as extras.
 */
export function matchHeaders(
  headers: readonly string[],
  required: readonly OpeningField[],
): { matches: HeaderMatch[]; problems: HeaderProblem[] } {
  const matches: HeaderMatch[] = [];
  const problems: HeaderProblem[] = [];
  const seen = new Map<string, string>();
  const seenExtras = new Set<string>();
  headers.forEach((raw, index) => {
    const sourceHeader = cleanHeader(raw);
    if (sourceHeader === '') {
      matches.push({ sourceHeader, index, column: null, how: 'blank header: ignored when its cells are blank' });
      return;
    }
    const { column, how } = matchHeader(sourceHeader);
    if (column) {
      const prev = seen.get(column);
      if (prev !== undefined)
        problems.push({ column: sourceHeader, reason: `"${sourceHeader}" and "${prev}" both mean ${column}; keep one` });
      else seen.set(column, sourceHeader);
    } else {
      if (seenExtras.has(sourceHeader.toLowerCase()))
        problems.push({ column: sourceHeader, reason: `Column "${sourceHeader}" appears twice` });
      seenExtras.add(sourceHeader.toLowerCase());
    }
    matches.push({ sourceHeader, index, column, how });
  });
  for (const f of required) {
    if (!seen.has(f))
      problems.push({ column: f, reason: `Required column ${f} is missing (accepted headers: ${[f, ...HEADER_ALIASES[f]].join(', ')})` });
  }
  return { matches, problems };
}
