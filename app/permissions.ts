// Which permissions the renderer is granted: the camera only, so the opening finder can
// read door labels' QR codes. No microphone, screen capture, notifications, location or
// anything else. Pure (no electron import): electron/window.ts applies it, tests check it.

/** A permission request (session.setPermissionRequestHandler): media asking for video alone. */
export function allowPermissionRequest(permission: string, details: { mediaTypes?: readonly string[] }): boolean {
  const types = details.mediaTypes ?? [];
  return permission === 'media' && types.length > 0 && types.every((t) => t === 'video');
}

/** A permission check (session.setPermissionCheckHandler): may the page use the camera. */
export function allowPermissionCheck(permission: string, details: { mediaType?: string }): boolean {
  return permission === 'media' && details.mediaType === 'video';
}
