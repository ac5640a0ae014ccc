// A refused API input reads as words on screen: the field as the form or the
// schedule names it and what is wrong — never the schema's message or a raw name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { apiInputs, ApiError } from '../../app/contract';
import { describeZodError } from '../../app/dispatch';
import { messageOf } from '../../renderer/src/ui/errorWords';
import { fieldWord } from '../../renderer/src/ui/fieldWords';

function refused(method: keyof typeof apiInputs, input: unknown): ApiError {
  const r = apiInputs[method].safeParse(input);
  assert.equal(r.success, false);
  return new ApiError('invalid-input', describeZodError(method, r.error), r.error.issues);
}

test('schema refusals become plain words', () => {
  const err = refused('createDeficiency', { siteId: 1, openingId: '', severity: 'life-safety', description: 'x', createdBy: 'Ana' });
  assert.match(err.message, /Invalid input to createDeficiency/, 'the API keeps its precise message for scripts');
  assert.equal(messageOf(err), 'Please check: Opening is missing.');
  const missing = refused('startRun', { siteId: 1 });
  assert.equal(messageOf(missing), 'Please check: Technician is missing.');
});

test('field names in words: schedule columns by their header, API fields by the form label', () => {
  assert.equal(fieldWord('fail_mode'), 'Fail Mode');
  assert.equal(fieldWord('opening_id'), 'Opening');
  assert.equal(fieldWord('openingId'), 'Opening');
  assert.equal(fieldWord('retestAttemptId'), 'Retest attempt id');
});
