// What a file's first bytes say about it, before any reader is loaded.

/** A zip archive, such as an XLSX workbook, whatever the file's name: its local file header signature (PK\x03\x04). */
export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}
