// `doorcx report verify`: checks a report PDF on its own (and against the site's
// database when given). For every signature: its byte range covers the whole
// file but the signature itself (or, for an earlier signature, the whole file as
// it was then), the CMS message digest matches those bytes, the signature over
// the signed attributes verifies with the signer's certificate, and the
// certificate was in date and allowed to sign. Then the embedded report JSON
// must match the hash printed on the pages, and its event-log head must be in
// the database's chain. Never throws on bad input: every problem is a reason.
import { createHash } from 'node:crypto';
import { inflateSync } from 'node:zlib';
import forge from 'node-forge';
import { reportModelSchema, type ReportModel } from '../core/report/schema';
import { eventLogSeqOf } from '../db/reports/repository';
import { verifyEventLog } from '../db/runs/verify';
import { getSite } from '../db/schedule/repository';
import type { Db } from '../db/sqlite';
import { digestFor, nodeDigestName, OID, parseCms } from './cms';
import { subjectName } from './certificate';
import { sha256 } from './hash';
import { EMBEDDED_JSON_NAME, INFO_MODEL_HASH } from './embedded';

export interface SignatureCheck {
  index: number;
  signer: string | null;
  issuer: string | null;
  selfSigned: boolean;
  signingTime: string | null;
  subFilter: string | null;
  byteRange: number[];
  /** The signature covers the file as it is (the last signature). */
  coversWholeFile: boolean;
  /** Bytes added after this signature (later revisions such as a countersignature). */
  bytesAddedAfter: number;
  valid: boolean;
  problems: string[];
}

export interface VerifyResult {
  ok: boolean;
  file: string;
  size: number;
  signatures: SignatureCheck[];
  report: { site: string; generatedAt: string; overall: string; modelSha256: string; draft: boolean } | null;
  eventLog: { checked: boolean; inChain: boolean | null; head: string | null; length: number | null; detail: string | null };
  /** Every reason the file is not a valid, unchanged DoorCx report (empty when ok). */
  problems: string[];
}

const latin1 = (b: Buffer, from = 0, to = b.length) => b.toString('latin1', from, to);

/** Text of the dictionary around a position (from its "obj" to its "endobj"). */
function dictAround(pdf: Buffer, at: number): string {
  const start = pdf.lastIndexOf(' obj', at);
  const end = pdf.indexOf('endobj', at);
  return latin1(pdf, Math.max(0, start), end < 0 ? Math.min(pdf.length, at + 40_000) : end);
}

function pdfString(dict: string, key: string): string | null {
  const m = new RegExp(`/${key}\\s*\\(((?:\\\\.|[^\\\\)])*)\\)`).exec(dict);
  return m ? m[1]!.replace(/\\(.)/g, '$1') : null;
}

function pdfDate(s: string | null): Date | null {
  const m = s && /D:(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})/.exec(s);
  return m ? new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!)) : null;
}

/** Length of the DER object at the start of `head` (tag, length octets and content). */
function derLength(head: Buffer): number {
  const first = head[1] ?? 0;
  if (first < 0x80) return 2 + first;
  const n = first & 0x7f;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + (head[2 + i] ?? 0);
  return 2 + n + len;
}

function checkSignature(pdf: Buffer, index: number, range: number[], brPos: number): SignatureCheck {
  const problems: string[] = [];
  const [a, b, c, d] = range as [number, number, number, number];
  const dict = dictAround(pdf, brPos);
  const subFilter = /\/SubFilter\s*\/([\w.]+)/.exec(dict)?.[1] ?? null;
  const result: SignatureCheck = {
    index,
    signer: pdfString(dict, 'Name'),
    issuer: null,
    selfSigned: false,
    signingTime: pdfDate(pdfString(dict, 'M'))?.toISOString() ?? null,
    subFilter,
    byteRange: range,
    coversWholeFile: false,
    bytesAddedAfter: 0,
    valid: false,
    problems,
  };
  const fail = (why: string): SignatureCheck => (problems.push(why), result);
  if (a !== 0 || !(b > 0 && c > b && d >= 0) || c + d > pdf.length)
    return fail(`its byte range [${range.join(' ')}] does not fit the file (${pdf.length} bytes): the file was truncated or rewritten`);
  result.bytesAddedAfter = pdf.length - (c + d);
  result.coversWholeFile = result.bytesAddedAfter === 0;
  if (pdf[b] !== 0x3c || pdf[c - 1] !== 0x3e)
    return fail(`its byte range does not leave out exactly the signature value (bytes ${b}–${c})`);
  const hex = latin1(pdf, b + 1, c - 1);
  if (!/^[0-9a-fA-F]*$/.test(hex) || hex.length % 2) return fail('the signature value is not hexadecimal: the file was changed');
  let cms;
  try {
    cms = parseCms(Buffer.from(hex, 'hex'));
  } catch (err) {
    return fail(`the signature value is damaged: ${(err as Error).message}`);
  }
  // Everything after the DER must be the zero padding the placeholder had.
  const derLen = derLength(Buffer.from(hex.slice(0, 32), 'hex'));
  if (!/^0*$/.test(hex.slice(derLen * 2))) problems.push('bytes after the signature value were changed');
  const alg = nodeDigestName(cms.digestOid);
  if (!alg) return fail(`the signature uses a digest DoorCx does not know (${cms.digestOid})`);
  // Streamed over the two ranges in place (no copy of the file).
  const contentDigest = createHash(alg)
    .update(pdf.subarray(a, b))
    .update(pdf.subarray(c, c + d))
    .digest('binary');
  if (cms.messageDigest === null) problems.push('the signature has no message digest attribute');
  else if (cms.messageDigest !== contentDigest)
    problems.push(
      `the signed bytes were changed after signing: their ${cms.digestOid === OID.sha256 ? 'SHA-256' : 'digest'} does not match the signature's message digest`,
    );
  const cert = cms.signer;
  if (!cert) return fail("the signer's certificate is not in the signature");
  result.signer = subjectName(cert);
  result.issuer = cert.issuer.getField('CN')?.value ?? null;
  result.selfSigned = cert.isIssuer(cert);
  if (cms.signedAttrsDer === null) problems.push('the signature has no signed attributes');
  else {
    const md2 = digestFor(cms.digestOid)!;
    md2.update(cms.signedAttrsDer);
    const key = cert.publicKey as forge.pki.rsa.PublicKey;
    let ok = false;
    try {
      ok = 'n' in key && key.verify(md2.digest().getBytes(), cms.signature);
    } catch {
      ok = false;
    }
    if (!ok) problems.push("the signature value does not verify with the signer's certificate (wrong key, or the signature was altered)");
  }
  const at = result.signingTime ? new Date(result.signingTime) : cms.signingTime;
  if (at && (at < cert.validity.notBefore || at > cert.validity.notAfter))
    problems.push(
      `the certificate was not valid at the signing time ${at.toISOString()} (valid ${cert.validity.notBefore.toISOString()} to ${cert.validity.notAfter.toISOString()})`,
    );
  const ku = cert.getExtension('keyUsage') as { digitalSignature?: boolean; nonRepudiation?: boolean } | null;
  if (ku && !ku.digitalSignature && !ku.nonRepudiation) problems.push('the certificate is not allowed to sign documents');
  if (result.selfSigned) {
    try {
      if (!cert.verify(cert)) problems.push("the self-signed certificate's own signature does not verify");
    } catch {
      problems.push("the self-signed certificate's own signature does not verify");
    }
  }
  result.valid = problems.length === 0;
  return result;
}

/** The embedded report JSON's stream as stored (the stream of the file specification named EMBEDDED_JSON_NAME). */
function embeddedJsonStream(pdf: Buffer): { raw: Buffer; deflated: boolean } | null {
  const name = pdf.indexOf(`/F (${EMBEDDED_JSON_NAME})`);
  if (name < 0) return null;
  const spec = dictAround(pdf, name);
  const ref = /\/EF\s*<<\s*\/F\s+(\d+)\s+0\s+R/.exec(spec);
  if (!ref) return null;
  const objAt = pdf.indexOf(`\n${ref[1]} 0 obj`);
  if (objAt < 0) return null;
  const streamAt = pdf.indexOf('stream', objAt);
  const head = latin1(pdf, objAt, streamAt);
  const length = Number(/\/Length\s+(\d+)/.exec(head)?.[1] ?? NaN);
  if (!Number.isFinite(length)) return null;
  let start = streamAt + 'stream'.length;
  if (pdf[start] === 0x0d) start++;
  if (pdf[start] === 0x0a) start++;
  return { raw: pdf.subarray(start, start + length), deflated: /\/FlateDecode/.test(head) };
}

/** The embedded report JSON, inflated. */
function embeddedJson(pdf: Buffer): Buffer | null {
  const stream = embeddedJsonStream(pdf);
  if (!stream) return null;
  return stream.deflated ? inflateSync(stream.raw) : Buffer.from(stream.raw);
}

/** Every position of `needle` in the file (searched in the bytes: the file is never turned into one string). */
function positionsOf(pdf: Buffer, needle: string): number[] {
  const found: number[] = [];
  for (let at = pdf.indexOf(needle); at >= 0; at = pdf.indexOf(needle, at + 1)) found.push(at);
  return found;
}

/** Each signature's /ByteRange [a b c d], with its position. */
function byteRanges(pdf: Buffer): { range: number[]; at: number }[] {
  const ranges: { range: number[]; at: number }[] = [];
  for (const at of positionsOf(pdf, '/ByteRange')) {
    const close = pdf.indexOf(']', at);
    if (close < 0) break;
    const m = /^\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]$/.exec(latin1(pdf, at, close + 1));
    if (m) ranges.push({ range: m.slice(1, 5).map(Number), at });
  }
  return ranges;
}

/** The document info's model hash (pdfkit writes each info value as an indirect string object). */
function infoModelHash(pdf: Buffer): string | null {
  const keys = positionsOf(pdf, `/${INFO_MODEL_HASH}`);
  const near = (at: number) => latin1(pdf, at, Math.min(pdf.length, at + 256));
  for (const at of keys) {
    const direct = new RegExp(`^/${INFO_MODEL_HASH}\\s*\\(([0-9a-f]{64})\\)`).exec(near(at));
    if (direct) return direct[1]!;
  }
  for (const at of keys) {
    const ref = new RegExp(`^/${INFO_MODEL_HASH}\\s+(\\d+)\\s+0\\s+R`).exec(near(at));
    if (!ref) continue;
    for (const obj of positionsOf(pdf, `\n${ref[1]} 0 obj`)) {
      const value = /^\n\d+ 0 obj\s*\(([0-9a-f]{64})\)/.exec(near(obj));
      if (value) return value[1]!;
    }
    return null;
  }
  return null;
}

export interface VerifyOptions {
  /**
   * The builder's own check of the file it just signed: the embedded data must be exactly the stream it wrote (the
   * SHA-256 of the stored, compressed bytes) and the document info must carry the model hash it rendered, so the data
   * is compared as stored, not inflated and parsed a second time. Everything else is checked as always.
   */
  built?: { modelSha256: string; dataStreamSha256: string };
}

export function verifyReport(pdf: Buffer, file: string, db?: Db, options: VerifyOptions = {}): VerifyResult {
  const result: VerifyResult = {
    ok: false,
    file,
    size: pdf.length,
    signatures: [],
    report: null,
    eventLog: { checked: false, inChain: null, head: null, length: null, detail: null },
    problems: [],
  };
  const problems = result.problems;
  if (pdf.length < 8 || pdf.indexOf('%PDF-') < 0 || pdf.indexOf('%PDF-') > 1024) {
    problems.push('This is not a PDF file (no %PDF- header).');
    return result;
  }
  if (!/%%EOF\s*$/.test(latin1(pdf, Math.max(0, pdf.length - 32)))) problems.push('The file is truncated: it does not end with %%EOF.');

  for (const [i, { range, at }] of byteRanges(pdf).entries()) result.signatures.push(checkSignature(pdf, i + 1, range, at));
  if (result.signatures.length === 0) problems.push('The PDF is not signed: it has no digital signature.');
  for (const s of result.signatures)
    for (const p of s.problems) problems.push(`Signature ${s.index} (${s.signer ?? 'unknown signer'}): ${p}.`);
  const last = result.signatures[result.signatures.length - 1];
  if (last && !last.problems.length && !last.coversWholeFile)
    problems.push(`The file was changed after its last signature: ${last.bytesAddedAfter} bytes were added that no signature covers.`);
  for (const s of result.signatures.slice(0, -1))
    if (!s.coversWholeFile && s.valid) {
      // An earlier signature covers the file as it was; what came after must be covered by a later valid signature.
      const later = result.signatures.filter((x) => x.index > s.index && x.valid);
      if (later.length === 0) problems.push(`Signature ${s.index}: bytes were added after it and no later valid signature covers them.`);
    }

  const infoHash = infoModelHash(pdf);
  if (options.built) {
    // The builder's own check: the data stream exactly as it wrote it, and the pages' hash of that data.
    const stream = embeddedJsonStream(pdf);
    if (!stream) problems.push(`This is not a DoorCx report: it has no embedded ${EMBEDDED_JSON_NAME}.`);
    else if (sha256(stream.raw) !== options.built.dataStreamSha256)
      problems.push('The embedded report data is not the data that was rendered.');
    if (infoHash !== options.built.modelSha256)
      problems.push(`The report's ${INFO_MODEL_HASH} entry is not the SHA-256 of the data that was rendered.`);
  } else {
    let json: Buffer | null = null;
    try {
      json = embeddedJson(pdf);
    } catch (err) {
      problems.push(`The embedded report data cannot be read: ${(err as Error).message}.`);
    }
    if (!json) {
      if (!problems.some((p) => p.startsWith('The embedded')))
        problems.push(`This is not a DoorCx report: it has no embedded ${EMBEDDED_JSON_NAME}.`);
    } else {
      const sha = sha256(json);
      if (infoHash === null) problems.push(`The report has no ${INFO_MODEL_HASH} entry to compare the embedded data with.`);
      else if (infoHash !== sha)
        problems.push('The embedded report data does not match the report pages (its SHA-256 differs from the one printed on the cover).');
      let model: ReportModel | null = null;
      try {
        model = reportModelSchema.parse(JSON.parse(json.toString('utf8')));
      } catch (err) {
        problems.push(`The embedded report data is not a valid report model: ${(err as Error).message.slice(0, 300)}.`);
      }
      if (model) {
        result.report = {
          site: model.site.name,
          generatedAt: model.generatedAt,
          overall: model.overall,
          modelSha256: sha,
          draft: model.draft,
        };
        const counted = model.openings.length;
        if (model.summary.all.total !== counted)
          problems.push('The embedded report data is inconsistent: its summary does not count its openings.');
        if (db) {
          result.eventLog.checked = true;
          result.eventLog.head = model.integrity.eventLogHead;
          result.eventLog.length = model.integrity.eventLogLength;
          const site = getSite(db, model.site.id);
          // The report's data is its own (signed): only whether its head is in an intact chain is asked of the database.
          const chain = verifyEventLog(db, { chainOnly: true });
          if (!site || site.name !== model.site.name) {
            result.eventLog.inChain = false;
            result.eventLog.detail = `the database has no site "${model.site.name}" (id ${model.site.id})`;
          } else if (!chain.ok) {
            result.eventLog.inChain = false;
            result.eventLog.detail = `the database's event log is damaged at row ${chain.badSeq}: ${chain.reason}`;
          } else if (model.integrity.eventLogHead === null) {
            result.eventLog.inChain = model.integrity.eventLogLength === 0;
            result.eventLog.detail = 'the report was built from an empty event log';
          } else {
            const seq = eventLogSeqOf(db, model.integrity.eventLogHead);
            result.eventLog.inChain = seq !== null && seq === model.integrity.eventLogLength;
            result.eventLog.detail =
              seq === null
                ? "the report's event-log head is not in this database's chain"
                : seq === model.integrity.eventLogLength
                  ? `row ${seq} of ${chain.count}`
                  : `the head is row ${seq}, but the report says ${model.integrity.eventLogLength} events`;
          }
          if (!result.eventLog.inChain) problems.push(`Event log: ${result.eventLog.detail}.`);
        }
      }
    }
  }
  result.ok = problems.length === 0;
  return result;
}

export function formatVerify(r: VerifyResult): string {
  const lines = [`${r.file}: ${r.ok ? 'VALID' : 'NOT VALID'}`];
  for (const s of r.signatures) {
    lines.push(
      `  Signature ${s.index}: ${s.valid ? 'valid' : 'INVALID'} — signer ${s.signer ?? '?'}${s.selfSigned ? ' (self-signed)' : s.issuer ? `, issued by ${s.issuer}` : ''}, signed ${s.signingTime ?? '?'}, ${s.subFilter ?? '?'}`,
    );
    lines.push(
      s.coversWholeFile
        ? '    covers the whole file except the signature value; nothing changed after signing'
        : `    covers the file as it was then; ${s.bytesAddedAfter} bytes were added after it (a later revision)`,
    );
  }
  if (r.report)
    lines.push(
      `  Report: ${r.report.site}, generated ${r.report.generatedAt}, overall ${r.report.overall.toUpperCase()}${r.report.draft ? ' (DRAFT)' : ''}, data SHA-256 ${r.report.modelSha256}`,
    );
  if (r.eventLog.checked)
    lines.push(`  Event log: ${r.eventLog.inChain ? "in the database's chain" : "NOT in the database's chain"} (${r.eventLog.detail})`);
  for (const p of r.problems) lines.push(`  ✗ ${p}`);
  return lines.join('\n') + '\n';
}
