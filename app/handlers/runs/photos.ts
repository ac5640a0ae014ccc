// Deficiency photos: stored once by content hash beside the database, their bytes
// checked against the claimed image type before anything is written.
import { Buffer } from 'node:buffer';
import { getAttachmentBySha, insertAttachment, photoTypeProblem, readPhoto, storePhoto } from '../../../db/runs';
import type { ParsedInput } from '../../contract';
import { ApiError } from '../../contract/errors';
import type { Attachment, RunsOutputs } from '../../contract/runs';
import { deficiencyOrThrow } from './lookup';
import type { RunsDeps } from './state';
import { attachmentView } from './views';

export function attachPhoto({ ctx }: RunsDeps, input: ParsedInput<'attachPhoto'>): Attachment {
  const d = deficiencyOrThrow(ctx.db, input.deficiencyId);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(input.contentBase64))
    throw new ApiError('validation', 'contentBase64 is not base64.', [{ field: 'contentBase64', reason: 'not base64' }]);
  const bytes = Buffer.from(input.contentBase64, 'base64');
  if (bytes.length === 0) throw new ApiError('validation', 'The photo is empty.');
  const wrongType = photoTypeProblem(bytes, input.mimeType);
  if (wrongType) throw new ApiError('validation', wrongType, [{ field: 'contentBase64', reason: wrongType }]);
  const sha256 = storePhoto(ctx.dataDir, bytes);
  const a = insertAttachment(
    ctx.db,
    { deficiencyId: d.id, sha256, fileName: input.fileName, mimeType: input.mimeType, size: bytes.length },
    d.runId,
    ctx.now(),
  );
  return attachmentView(a);
}

export function getPhoto({ ctx }: RunsDeps, input: ParsedInput<'getPhoto'>): RunsOutputs['getPhoto'] {
  const a = getAttachmentBySha(ctx.db, input.sha256);
  if (!a) throw new ApiError('not-found', `No photo with hash ${input.sha256}.`);
  let bytes: Buffer;
  try {
    bytes = readPhoto(ctx.dataDir, a.sha256);
  } catch (err) {
    throw new ApiError('internal', (err as Error).message);
  }
  return { attachment: attachmentView(a), contentBase64: bytes.toString('base64') };
}
