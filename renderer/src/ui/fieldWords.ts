// Field names in words, for messages and tables: a schedule column by the header
// people write ("Fail Mode"), an API field by what the form calls it.
import { HEADER_ALIASES } from '../../../core/schedule/columns';
import { humanize } from './format';

const API_FIELDS: Record<string, string> = {
  openingId: 'Opening',
  siteId: 'Site',
  runId: 'Run',
  createdBy: 'Your name',
  by: 'Your name',
  technician: 'Technician',
  description: 'Description',
  severity: 'Severity',
  note: 'Note',
  port: 'Port',
  baud: 'Baud rate',
  siteName: 'Site name',
  fileName: 'File',
};

export function fieldWord(name: string | number | undefined): string {
  if (name === undefined) return 'Input';
  const key = String(name);
  const column = (HEADER_ALIASES as Record<string, readonly string[] | undefined>)[key]?.[0];
  if (column) return column;
  return API_FIELDS[key] ?? humanize(key.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase());
}
