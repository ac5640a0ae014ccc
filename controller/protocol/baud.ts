// Line speeds and the time a character takes on the wire: the one place these are defined.

/** The OSDP line speeds (9600 is the default). */
export const STANDARD_BAUDS = [9600, 19200, 38400, 57600, 115200, 230400] as const;
export type StandardBaud = (typeof STANDARD_BAUDS)[number];

export function isStandardBaud(n: number): n is StandardBaud {
  return (STANDARD_BAUDS as readonly number[]).includes(n);
}

/** Time one byte takes on the wire at 8N1 (10 bits a character), in ms. */
export function charTimeMs(baud: number): number {
  return 10_000 / baud;
}
