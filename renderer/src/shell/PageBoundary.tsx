// Around every page: a crash in one page shows what went wrong (and the way back)
// instead of a blank window; pages loaded with React.lazy() show "Loading…".
import { Component, Suspense, type ErrorInfo, type ReactNode } from 'react';
import { reportError } from './errorReporting';

interface State {
  error: Error | null;
}

class Boundary extends Component<{ children: ReactNode }, State> {
  override state: State = { error: null };

  static getDerivedStateFromError(error: Error): State {
    return { error };
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error('Page crashed', error, info.componentStack);
    reportError('render', error);
  }

  override render() {
    const { error } = this.state;
    if (!error) return this.props.children;
    return (
      <div className="page">
        <div className="banner error" role="alert">
          <h2>This page stopped working</h2>
          <p>{error.message}</p>
          <p style={{ margin: 0 }}>
            Your saved data is safe on this laptop. <a href="#/sites">Go to the sites list</a> or reload the window.
          </p>
        </div>
      </div>
    );
  }
}

/** Give it a key that changes with the route, so leaving a crashed page clears the error. */
export function PageBoundary({ children }: { children: ReactNode }) {
  return (
    <Boundary>
      <Suspense fallback={<p className="page muted">Loading…</p>}>{children}</Suspense>
    </Boundary>
  );
}
