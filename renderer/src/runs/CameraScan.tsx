// Reads a door label's QR code through the device's camera (getUserMedia) and hands
// its text to the opening finder, just as a keyboard-wedge scanner types it. A few
// frames a second are drawn onto a small canvas and decoded with the `qr` library;
// the camera is switched off as soon as a code is read, or when the panel closes.
import { useEffect, useRef, useState } from 'react';
import decodeQR from 'qr/decode.js';

const FRAME_MS = 150;
/** Frames are scaled down to this many pixels on their long side: plenty for a label held near the lens. */
const MAX_SIDE = 960;

/** What to tell the technician when the camera cannot be used (the DOMException names getUserMedia rejects with). */
export function cameraProblem(err: unknown): string {
  const name = err instanceof Error || err instanceof DOMException ? err.name : '';
  const type = ' Type the door tag, or use a barcode scanner.';
  if (name === 'NotAllowedError' || name === 'SecurityError' || name === 'PermissionDeniedError')
    return `Camera permission was refused. Allow DoorCx to use the camera (in the browser's site settings or the system's privacy settings) and try again.${type}`;
  if (name === 'NotFoundError' || name === 'DevicesNotFoundError' || name === 'OverconstrainedError')
    return `No camera was found on this device.${type}`;
  if (name === 'NotReadableError' || name === 'TrackStartError' || name === 'AbortError')
    return `The camera could not be started: another app may be using it. Close that app and try again.${type}`;
  return `The camera could not be started (${err instanceof Error ? err.message : String(err)}).${type}`;
}

export function CameraScan({ onCode, onClose }: { onCode: (text: string) => void; onClose: () => void }) {
  const video = useRef<HTMLVideoElement>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [live, setLive] = useState(false);
  // The camera starts once per opening of the panel; the latest handler gets the code.
  const handler = useRef(onCode);
  handler.current = onCode;

  useEffect(() => {
    let stream: MediaStream | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const stop = () => {
      stopped = true;
      clearTimeout(timer);
      stream?.getTracks().forEach((t) => t.stop());
    };
    const canvas = document.createElement('canvas');
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    const scan = () => {
      if (stopped) return;
      const v = video.current;
      if (v && ctx && v.readyState >= v.HAVE_CURRENT_DATA && v.videoWidth > 0) {
        const scale = Math.min(1, MAX_SIDE / Math.max(v.videoWidth, v.videoHeight));
        const width = Math.round(v.videoWidth * scale);
        const height = Math.round(v.videoHeight * scale);
        if (canvas.width !== width || canvas.height !== height) Object.assign(canvas, { width, height });
        ctx.drawImage(v, 0, 0, width, height);
        let text: string | null = null;
        try {
          text = decodeQR({ width, height, data: ctx.getImageData(0, 0, width, height).data });
        } catch {
          // no readable code in this frame: try the next one
        }
        if (text) {
          stop();
          handler.current(text);
          return;
        }
      }
      timer = setTimeout(scan, FRAME_MS);
    };
    const start = async () => {
      if (!navigator.mediaDevices?.getUserMedia) {
        setProblem('This device offers no camera to DoorCx here. Type the door tag, or use a barcode scanner.');
        return;
      }
      try {
        stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: { ideal: 'environment' } }, audio: false });
      } catch (err) {
        if (!stopped) setProblem(cameraProblem(err));
        return;
      }
      if (stopped || !video.current) {
        stop();
        return;
      }
      video.current.srcObject = stream;
      await video.current.play().catch(() => undefined);
      setLive(true);
      scan();
    };
    void start();
    return stop;
  }, []);

  return (
    <div className="camera-scan" role="group" aria-label="Camera scan">
      {problem ? (
        <p className="camera-problem" role="alert">
          {problem}
        </p>
      ) : (
        <>
          <video ref={video} className="camera-view" muted playsInline aria-label="Camera view" />
          <p className="muted" role="status">
            {live ? "Hold the door label's QR code in front of the camera." : 'Starting the camera…'}
          </p>
        </>
      )}
      <button type="button" className="btn" onClick={onClose}>
        {problem ? 'Close' : 'Stop camera'}
      </button>
    </div>
  );
}
