// Every window is locked down here, in one place.
import { BrowserWindow, session, shell, type WebContents } from 'electron';
import { join } from 'node:path';
import { allowPermissionCheck, allowPermissionRequest } from '../app/permissions';

export const RENDERER_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'none'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

function lockDownContents(contents: WebContents, rendererIndexUrl: string): void {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-navigate', (event, url) => {
    if (url !== rendererIndexUrl) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

export function lockDownSession(): void {
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_wc, permission, callback, details) =>
    callback(allowPermissionRequest(permission, 'mediaTypes' in details ? details : {})),
  );
  ses.setPermissionCheckHandler((_wc, permission, _origin, details) => allowPermissionCheck(permission, details));
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [RENDERER_CSP] } });
  });
  // Only our own files load; no remote content, ever.
  ses.webRequest.onBeforeRequest((details, callback) => {
    const allowed = details.url.startsWith('file://') || details.url.startsWith('devtools://');
    callback({ cancel: !allowed });
  });
  void shell; // never used to open URLs from the renderer
}

export function createMainWindow(rendererDir: string, preloadFile: string): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 860,
    minWidth: 800,
    minHeight: 600,
    title: 'DoorCx',
    show: false,
    webPreferences: {
      preload: preloadFile,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webviewTag: false,
      spellcheck: false,
    },
  });
  const indexFile = join(rendererDir, 'index.html');
  const indexUrl = `file://${indexFile.replace(/\\/g, '/')}`;
  lockDownContents(win.webContents, indexUrl);
  win.once('ready-to-show', () => win.show());
  void win.loadFile(indexFile);
  return win;
}
