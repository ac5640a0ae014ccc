// An error as words on screen: a refused API input names the field as the form or
// the schedule calls it and what is wrong, never the schema's own wording.
import { ApiError } from '../../../app/contract';
import { fieldWord } from './fieldWords';

interface SchemaIssue {
  path?: (string | number)[];
  code?: string;
  message?: string;
  minimum?: number | bigint;
  maximum?: number | bigint;
}

/** A refused input in words: which field, and what is wrong with it (never the schema's own wording). */
function schemaIssueWords(i: SchemaIssue): string {
  const field = fieldWord(i.path?.[i.path.length - 1]);
  if (i.code === 'too_small') return Number(i.minimum) <= 1 ? `${field} is missing` : `${field} is too short or too small`;
  if (i.code === 'too_big') return `${field} is too long or too large`;
  if (i.code === 'invalid_type' && /received undefined/.test(i.message ?? '')) return `${field} is missing`;
  if (i.code === 'unrecognized_keys') return 'the request carries fields DoorCx does not know (update DoorCx)';
  return `${field} is not valid`;
}

export function messageOf(err: unknown): string {
  if (err instanceof ApiError && err.code === 'invalid-input' && Array.isArray(err.details) && err.details.length > 0) {
    const words = [...new Set((err.details as SchemaIssue[]).map(schemaIssueWords))];
    return `Please check: ${words.join('; ')}.`;
  }
  if (err instanceof Error) return err.message;
  return String(err);
}
