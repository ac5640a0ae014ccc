// The single entry point both shells call: validate the input with the
// contract's zod schema, then run the handler. Errors come back as ApiError.
import { ZodError } from 'zod';
import { ApiError, apiInputs, type Method } from './contract';
import { describeZodError } from './contract/errors';
import type { Handlers } from './handlers';

export function isMethod(name: string): name is Method {
  return Object.prototype.hasOwnProperty.call(apiInputs, name);
}

export async function dispatch(handlers: Handlers, method: string, rawInput: unknown): Promise<unknown> {
  if (!isMethod(method)) throw new ApiError('not-found', `Unknown API method "${method}".`);
  const parsed = apiInputs[method].safeParse(rawInput ?? {});
  if (!parsed.success) throw new ApiError('invalid-input', describeZodError(method, parsed.error), parsed.error.issues);
  const handler = handlers[method] as (input: unknown) => unknown;
  return await handler(parsed.data);
}

export { describeZodError };

/** Any thrown value as an ApiError, so transports send one shape. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof ZodError) return new ApiError('invalid-input', describeZodError('call', err), err.issues);
  const message = err instanceof Error ? err.message : String(err);
  return new ApiError('internal', message);
}
