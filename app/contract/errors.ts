// Errors that cross the API boundary (IPC or HTTP) keep their code and details,
// so the UI can show e.g. every bad cell of a rejected import.
import type { ZodError } from 'zod';

export type ApiErrorCode =
  | 'invalid-input' // the call's input failed its zod schema
  | 'validation' // a well-formed request with a value the domain rejects
  | 'import-rejected' // a schedule file with bad cells; details lists them all
  | 'not-found'
  | 'conflict' // the data changed since the caller last looked
  | 'controller' // the controller link failed (port, timeout, NAK…)
  | 'unauthorized'
  | 'internal';

export interface ApiErrorShape {
  code: ApiErrorCode;
  message: string;
  details?: unknown;
}

export class ApiError extends Error implements ApiErrorShape {
  readonly code: ApiErrorCode;
  readonly details?: unknown;
  constructor(code: ApiErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.details = details;
  }
  toJSON(): ApiErrorShape {
    return { code: this.code, message: this.message, details: this.details };
  }
}

/** One problem in a form or file: where it is and why. `row` is the row number as the user sees it in the file. */
export interface FieldIssue {
  row?: number;
  column?: string;
  field?: string;
  value?: string;
  reason: string;
}

/**
 * A failed input check in words: each issue's path and message. Here rather than in app/dispatch so that a
 * caller checking one method's input (the CLI's import) does not load every method's schema with it.
 */
export function describeZodError(method: string, error: ZodError): string {
  const parts = error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : '(input)'}: ${i.message}`);
  return `Invalid input to ${method}: ${parts.join('; ')}`;
}
