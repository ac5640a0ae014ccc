// Public surface of the OSDP protocol layers (pure: no I/O, no clock, no timers; node:crypto for AES only).
//
//   crc16 / checksum                 check characters (CRC-16/AUG-CCITT, 8-bit checksum)
//   parseFrame / buildFrame          the frame: [FF] 53 ADDR LEN CTRL [SEC_BLK] CODE DATA [MAC4] CHECK
//   encodeCommand / decodeCommand    ACU → PD messages (Command union);  *Payload variants work on code + data
//   encodeReply / decodeReply        PD → ACU messages (Reply union);    decode() picks by the reply bit
//   Framer                           bytes in (any chunking) → whole frames out, drops reported
//   AcuSession / PdSession           secure channel, each side; SecretKey redacts itself everywhere
//   AcuBus                           the ACU link state machine over one multi-drop line
//
// Decoders never throw: they return { ok: false, error: { kind, offset?, message } }.
// Encoders throw RangeError on out-of-range fields (a caller bug, not wire input).
//
// Driving an AcuBus (the driver does this with a real transport and one timer):
//   const bus = new AcuBus({ write: (b) => port.write(b), onEvent, wake: reschedule });
//   bus.addPd({ address: 1, secure: { scbk } });           // or { install: true } for SCBK-D
//   port.on('data', (b) => bus.receive(b, now()));
//   timer at bus.nextDeadline() (+ the inter-frame idle gap) → bus.tick(now());
//   const reply = await bus.request(1, { type: 'OSTAT' });   // rejects with LinkError
export { crc16, checksum } from './crc';
export * from './frame';
export * from './messages';
export * from './framer';
export * from './secure-channel';
export * from './link';
export * from './baud';
