// OSDP check characters: CRC-16/AUG-CCITT (CTRL bit 0x04) or an 8-bit checksum.

const CRC_TABLE = (() => {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 8;
    for (let b = 0; b < 8; b++) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff;
    t[i] = c;
  }
  return t;
})();

/** CRC-16/AUG-CCITT: poly 0x1021, init 0x1D0F, not reflected, no final XOR (check value of "123456789" = 0xE5CC). */
export function crc16(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0x1d0f;
  for (let i = start; i < end; i++) crc = ((crc << 8) ^ CRC_TABLE[((crc >> 8) ^ bytes[i]!) & 0xff]!) & 0xffff;
  return crc;
}

/** OSDP checksum: two's complement of the 8-bit sum of the bytes, so that sum + checksum ≡ 0 (mod 256). */
export function checksum(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let sum = 0;
  for (let i = start; i < end; i++) sum = (sum + bytes[i]!) & 0xff;
  return (0x100 - sum) & 0xff;
}
