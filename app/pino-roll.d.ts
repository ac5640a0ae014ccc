// pino-roll ships no types: the part of its API that app/log.ts uses.
declare module 'pino-roll' {
  import type SonicBoom from 'sonic-boom';
  interface PinoRollOptions {
    file: string;
    size?: string | number;
    frequency?: string | number;
    extension?: string;
    limit?: { count?: number; removeOtherLogFiles?: boolean };
    mkdir?: boolean;
    symlink?: boolean;
    /** Passed to sonic-boom: write each line synchronously. */
    sync?: boolean;
  }
  export default function roll(options: PinoRollOptions): Promise<SonicBoom>;
}
