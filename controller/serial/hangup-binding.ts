// serialport's own binding, with one change: on Linux and macOS a read that returns zero
// bytes means the line hung up (USB adapter unplugged, PTY's other end closed). serialport
// 13 reads again at once in that case, forever: the port never reports the loss, the
// process burns a core and its memory grows until it dies. Here a zero-byte read is a
// disconnect, so the stream closes with an error and the link sees the port go away.
import { read } from 'node:fs';
import { promisify } from 'node:util';
import { autoDetect, type AutoDetectTypes } from '@serialport/bindings-cpp';
import { unixRead } from '@serialport/bindings-cpp/dist/unix-read.js';

const readAsync = promisify(read);

export class HangUpError extends Error {
  /** Read by serialport's stream: a disconnect closes the port instead of retrying. */
  readonly disconnect = true;
  readonly code = 'EOF';
  constructor() {
    super('the line hung up (no more data can come: adapter unplugged or the other end closed)');
    this.name = 'HangUpError';
  }
}

/** fs.read for a serial port's descriptor, where zero bytes read is a hang-up, not "try again". */
export const readOrHangUp: typeof readAsync = async (...args: Parameters<typeof readAsync>) => {
  const result = await readAsync(...args);
  if (result.bytesRead === 0) throw new HangUpError();
  return result;
};

const platformBinding = autoDetect();

/** The platform's binding; on Unix its ports read with readOrHangUp. */
export const HangUpAwareBinding: AutoDetectTypes = {
  list: () => platformBinding.list(),
  async open(options: Parameters<AutoDetectTypes['open']>[0]) {
    const port = await platformBinding.open(options);
    if (process.platform !== 'win32') {
      const unixPort = port as Parameters<typeof unixRead>[0]['binding'];
      port.read = (buffer: Buffer, offset: number, length: number) =>
        unixRead({ binding: unixPort, buffer, offset, length, fsReadAsync: readOrHangUp });
    }
    return port;
  },
} as AutoDetectTypes;
