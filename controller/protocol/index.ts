// Public surface of the OSDP protocol layers (pure: no I/O, no clock, no timers).
//   crc16 / checksum           check characters
//   parseFrame / buildFrame    the frame layer
//   encode*/decode*            commands and replies (discriminated unions)
export { crc16, checksum } from './crc';
export * from './frame';
export * from './messages';
export * from './framer';
export * from './secure-channel';
export * from './link';
