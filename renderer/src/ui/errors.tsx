// How an API error reads on screen: its message and, when it names fields or
// cells, each of them.
import { ApiError, type FieldIssue } from '../../../app/contract';

export function issuesOf(err: unknown): FieldIssue[] {
  if (!(err instanceof ApiError) || !Array.isArray(err.details)) return [];
  return (err.details as unknown[]).filter((d): d is FieldIssue => typeof d === 'object' && d !== null && 'reason' in d);
}

export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

export function ErrorBanner({ error, title = 'Something went wrong' }: { error: unknown; title?: string }) {
  if (!error) return null;
  return (
    <div className="banner error" role="alert">
      <h2>{title}</h2>
      <p style={{ margin: 0 }}>{messageOf(error)}</p>
    </div>
  );
}
