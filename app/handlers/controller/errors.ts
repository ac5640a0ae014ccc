// Link and transport failures keep their cause for the UI; a bad argument is a validation error.
import { LinkError } from '../../../controller/protocol';
import { TransportError } from '../../../controller/serial/transport';
import { ApiError } from '../../contract';

export function toApiError(err: unknown): never {
  if (err instanceof ApiError) throw err;
  if (err instanceof LinkError)
    throw new ApiError('controller', err.message, { kind: err.kind, address: err.address, nakCode: err.nakCode });
  if (err instanceof TransportError) throw new ApiError('controller', err.message);
  if (err instanceof RangeError) throw new ApiError('validation', err.message);
  throw err;
}

/** Runs a controller call, its failures turned into ApiErrors. */
export async function guard<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    toApiError(err);
  }
}
