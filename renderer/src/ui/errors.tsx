// How an API error reads on screen: its message and, when it names fields or
// cells, each of them.
import { ApiError, type FieldIssue } from '../../../app/contract';
import { messageOf } from './errorWords';

export { messageOf };

export function issuesOf(err: unknown): FieldIssue[] {
  if (!(err instanceof ApiError) || !Array.isArray(err.details)) return [];
  return (err.details as unknown[]).filter((d): d is FieldIssue => typeof d === 'object' && d !== null && 'reason' in d);
}

/** The web host refuses a tab without this launch's key: a bookmark, a new tab, a link from an earlier start. */
function isUnauthorized(err: unknown): boolean {
  return err instanceof ApiError && err.code === 'unauthorized';
}

export function ErrorBanner({ error, title = 'Something went wrong' }: { error: unknown; title?: string }) {
  if (!error) return null;
  if (isUnauthorized(error))
    return (
      <div className="banner error" role="alert">
        <h2>This tab is not connected to DoorCx</h2>
        <p style={{ margin: 0 }}>
          DoorCx gives each start its own private link, so bookmarks, new tabs and links from an earlier start cannot reach it. To open
          DoorCx again, use the link it printed when it started (it begins with http://127.0.0.1: and ends with #token=…), or start it again
          with <code>npm start</code> and open the new link. Nothing is lost: your data stays on this laptop.
        </p>
      </div>
    );
  return (
    <div className="banner error" role="alert">
      <h2>{title}</h2>
      <p style={{ margin: 0 }}>{messageOf(error)}</p>
    </div>
  );
}
