// Names shared by the PDF writer and the verifier (which must not load pdfkit to read them).
export const EMBEDDED_JSON_NAME = 'doorcx-report.json';
/** Document-info key carrying the SHA-256 of the embedded model JSON. */
export const INFO_MODEL_HASH = 'DoorCxModelSha256';
