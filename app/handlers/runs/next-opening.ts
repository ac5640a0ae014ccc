// Finding the opening to work on: a typed or scanned door tag, a search, or the floor
// route. The matching itself (including how a tag or QR payload is read) is pure:
// findOpening in core/runs/progress.ts.
import { findOpening } from '../../../core/runs/progress';
import { getSite } from '../../../db/schedule';
import type { ParsedInput } from '../../contract';
import type { NextOpeningResult } from '../../contract/runs';
import { runOrThrow } from './lookup';
import type { RunsDeps } from './state';
import { openingRows } from './views';

export function nextOpening({ ctx }: RunsDeps, input: ParsedInput<'nextOpening'>): NextOpeningResult {
  const run = runOrThrow(ctx.db, input.runId);
  return findOpening(openingRows(ctx.db, run), input, getSite(ctx.db, run.siteId)?.name);
}
