// Draws the report model as a PDF with pdfkit, page by page into a stream (pages
// are written out as they fill, not kept in memory). Same model + same photos →
// same bytes: every date comes from the model, the file ID is derived from them.
// The model JSON is embedded as an associated file (AFRelationship /Data) and its
// SHA-256 printed on the cover and stored in the document info, so a verifier can
// tie the pages to the data.
import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { sha256 } from './hash';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Writable } from 'node:stream';
import PDFDocument from 'pdfkit';
import type { ReportAttempt, ReportModel, ReportOpening, OpeningResult } from '../core/report/model';
import { woffToSfnt } from './woff';
import { EMBEDDED_JSON_NAME, INFO_MODEL_HASH } from './embedded';

// Beside this module (or, in the Electron bundle, beside main.cjs: scripts/build-electron.mjs copies them).
export const FONTS_DIR = fileURLToPath(new URL('./fonts/', import.meta.url));
export { EMBEDDED_JSON_NAME, INFO_MODEL_HASH };

export interface PhotoSource {
  /** The photo's bytes (already checked against its hash), or null when it cannot be drawn. */
  read(sha256: string): Buffer | null;
}

export interface RenderProgress {
  (done: number, total: number): void;
}

type Doc = InstanceType<typeof PDFDocument>;

let cjkFont: Buffer | null = null;
/** Noto Sans SC as plain OpenType bytes (inflated once per process). */
export const cjkFontBytes = (): Buffer => (cjkFont ??= woffToSfnt(readFileSync(join(FONTS_DIR, 'NotoSansSC-Regular.woff'))));

const PAGE = { width: 612, height: 792, margin: 50 };
const CONTENT_W = PAGE.width - 2 * PAGE.margin;
const BOTTOM = PAGE.height - PAGE.margin - 14;

const RESULT_WORDS: Record<OpeningResult, string> = {
  pass: 'PASS',
  fail: 'FAIL',
  inconclusive: 'INCONCLUSIVE',
  incomplete: 'INCOMPLETE',
  'not-tested': 'NOT TESTED',
};
const RESULT_COLOURS: Record<OpeningResult, string> = {
  pass: '#1b6e20',
  fail: '#b00020',
  inconclusive: '#a15c00',
  incomplete: '#555555',
  'not-tested': '#555555',
};

export function modelJson(model: ReportModel): Buffer {
  return Buffer.from(JSON.stringify(model), 'utf8');
}

const ms = (v: number | null): string => (v === null ? '' : `${v.toFixed(0)} ms`);
const when = (iso: string | null): string => (iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '—');

/** A font as pdfkit holds it (the parts the direct text path uses). */
interface PdfFont {
  id: string;
  ascender: number;
  encode(text: string): [string[], { xAdvance: number; advanceWidth: number; xOffset: number; yOffset: number }[]];
  ref(): unknown;
}

/** A string laid out once in one font: its TJ operator and its advance (in 1/1000 of the font size). */
interface Glyphs {
  fontName: 'Body' | 'Bold' | 'CJK';
  font: PdfFont;
  tj: string;
  advance: number;
}

/** One piece of text on one line at a page position (top-left origin, as pdfkit's). */
interface Cell {
  g: Glyphs;
  x: number;
  y: number;
  size: number;
  color: string;
}

/** pdfkit's number format in content streams (rounded to 6 decimals). */
const num = (n: number): string => String(Math.round(n * 1e6) / 1e6);

/** "#rrggbb" (or "black") as the operands of `rg`. */
const rgbCache = new Map<string, string>();
function rgb(color: string): string {
  let v = rgbCache.get(color);
  if (v === undefined) {
    const hex = color === 'black' ? '000000' : color.replace(/^#/, '');
    v = [0, 2, 4].map((i) => num(parseInt(hex.slice(i, i + 2), 16) / 255)).join(' ');
    rgbCache.set(color, v);
  }
  return v;
}

/** Laid-out strings kept at most (table cells repeat; most other strings are seen once). */
const GLYPH_CACHE_MAX = 20_000;

/**
 * Draws text in DejaVu Sans when it has every character, else in Noto Sans SC.
 * Single-line text (table cells, lines that fit) is written straight into the page's content stream: each string is
 * laid out by pdfkit's font once (so its glyphs, widths and ToUnicode entries are in the embedded subset exactly as
 * pdfkit's own text() would put them) and the same TJ operators are written, without pdfkit's per-call line wrapper,
 * option objects and one content write per operator. Anything else (several lines, glyphs with offsets) goes through
 * pdfkit's text().
 */
class Writer {
  private readonly covered = new Map<number, boolean>();
  private readonly dejavu: { hasGlyphForCodePoint(cp: number): boolean };
  private readonly glyphCache = new Map<string, Glyphs | null>();
  page = 0;

  constructor(
    readonly doc: Doc,
    private readonly footer: string,
    private readonly draft: boolean,
  ) {
    doc.registerFont('Body', join(FONTS_DIR, 'DejaVuSans.ttf'));
    doc.registerFont('Bold', join(FONTS_DIR, 'DejaVuSans-Bold.ttf'));
    doc.registerFont('CJK', cjkFontBytes());
    doc.font('Body');
    this.dejavu = (doc as unknown as { _font: { font: { hasGlyphForCodePoint(cp: number): boolean } } })._font.font;
    doc.on('pageAdded', () => this.decorate());
    this.decorate();
  }

  private fits(text: string): boolean {
    for (const ch of text) {
      const cp = ch.codePointAt(0)!;
      let ok = this.covered.get(cp);
      if (ok === undefined) {
        ok = cp < 0x20 || this.dejavu.hasGlyphForCodePoint(cp);
        this.covered.set(cp, ok);
      }
      if (!ok) return false;
    }
    return true;
  }

  private fontName(text: string, bold = false): 'Body' | 'Bold' | 'CJK' {
    return this.fits(text) ? (bold ? 'Bold' : 'Body') : 'CJK';
  }

  font(text: string, bold = false): this {
    this.doc.font(this.fontName(text, bold));
    return this;
  }

  /**
   * The text laid out in `fontName` (by default the font its characters choose), or null when pdfkit must draw it
   * (line breaks, glyph offsets, nothing to draw).
   */
  private glyphs(text: string, bold = false, fontName = this.fontName(text, bold)): Glyphs | null {
    const key = `${fontName}\u0000${text}`;
    let g = this.glyphCache.get(key);
    if (g !== undefined) return g;
    g = null;
    if (text.length > 0 && !text.includes('\n')) {
      const d = this.doc as Doc & { _font: PdfFont };
      const current = d._font;
      d.font(fontName);
      const font = d._font;
      d._font = current;
      const [encoded, positions] = font.encode(text);
      // The TJ array pdfkit's text() writes: glyph runs split where kerning moves the next glyph.
      const parts: string[] = [];
      let last = 0;
      let advance = 0;
      let offsets = false;
      for (let i = 0; i < positions.length; i++) {
        const p = positions[i]!;
        if (p.xOffset || p.yOffset) offsets = true;
        advance += p.xAdvance;
        if (p.xAdvance - p.advanceWidth !== 0 || i === positions.length - 1) {
          parts.push(`<${encoded.slice(last, i + 1).join('')}> ${num(-(p.xAdvance - p.advanceWidth))}`);
          last = i + 1;
        }
      }
      if (!offsets) g = { fontName, font, tj: `[${parts.join(' ')}] TJ`, advance };
    }
    if (this.glyphCache.size >= GLYPH_CACHE_MAX) this.glyphCache.clear();
    this.glyphCache.set(key, g);
    return g;
  }

  /** Writes the cells as one text object, in a saved graphics state (so pdfkit's own state is unchanged). */
  private draw(cells: Cell[]): void {
    const d = this.doc as Doc & { page: { height: number; fonts: Record<string, unknown> } };
    const h = d.page.height;
    let s = `q\n1 0 0 -1 0 ${num(h)} cm\nBT`;
    for (const c of cells) {
      const font = c.g.font;
      d.page.fonts[font.id] ??= font.ref();
      const baseline = h - c.y - (font.ascender / 1000) * c.size;
      s += `\n/${font.id} ${num(c.size)} Tf\n${rgb(c.color)} rg\n1 0 0 1 ${num(c.x)} ${num(baseline)} Tm\n${c.g.tj}`;
    }
    d.addContent(Buffer.from(`${s}\nET\nQ\n`, 'latin1')); // pdfkit adds the newline only to strings
  }

  /** Page furniture: DRAFT across every page of an unsigned report, the footer with the page number. */
  private decorate(): void {
    const d = this.doc;
    this.page++;
    const { x, y } = d;
    if (this.draft) {
      d.save();
      d.rotate(-35, { origin: [PAGE.width / 2, PAGE.height / 2] });
      const g = this.glyphs('DRAFT', true, 'Bold')!;
      d.fillOpacity(0.5);
      this.draw([{ g, x: (PAGE.width - (g.advance * 110) / 1000) / 2, y: PAGE.height / 2 - 60, size: 110, color: '#d0d0d0' }]);
      d.restore();
    }
    const footer = `${this.footer} · page ${this.page}${this.draft ? ' · DRAFT' : ''}`;
    const fontName = this.fontName(this.footer);
    const g = this.glyphs(footer, false, fontName);
    if (g && (g.advance * 7) / 1000 <= CONTENT_W)
      this.draw([{ g, x: PAGE.margin, y: PAGE.height - PAGE.margin + 12, size: 7, color: '#555555' }]);
    else {
      d.fillColor('#555555', 1).fontSize(7).font(fontName);
      const marginBottom = d.page.margins.bottom;
      d.page.margins.bottom = 0;
      d.text(footer, PAGE.margin, PAGE.height - PAGE.margin + 12, { width: CONTENT_W, lineBreak: false });
      d.page.margins.bottom = marginBottom;
    }
    d.fillColor('black').font('Body').fontSize(9);
    d.x = x;
    d.y = y;
  }

  need(height: number): void {
    if (this.doc.y + height > BOTTOM) this.doc.addPage();
  }

  /** Paragraphs already broken into lines, by font, size, width and text (the same reasons and notes recur per opening). */
  private readonly paragraphs = new Map<string, string[]>();

  /** The lines pdfkit's line wrapper breaks `text` into at `width` in the current font and size (nothing is drawn). */
  private wrapLines(text: string, fontName: string, width: number): string[] {
    const d = this.doc as Doc & {
      _fontSize: number;
      _text(text: string, x: number, y: number, o: object, line: (l: string) => void): void;
    };
    const key = `${fontName}\u0000${d._fontSize}\u0000${width}\u0000${text}`;
    let lines = this.paragraphs.get(key);
    if (!lines) {
      const found: string[] = [];
      const { x, y } = d;
      // Measured from the top of the page: the wrapper then never breaks to a new page while it measures.
      d._text(text, PAGE.margin, d.page.margins.top, { width }, (l) => found.push(l));
      d.x = x;
      d.y = y;
      lines = found;
      if (this.paragraphs.size >= GLYPH_CACHE_MAX) this.paragraphs.clear();
      this.paragraphs.set(key, lines);
    }
    return lines;
  }

  line(text: string, o: { size?: number; bold?: boolean; color?: string; indent?: number; gap?: number } = {}): void {
    const d = this.doc;
    const size = o.size ?? 9;
    const x = PAGE.margin + (o.indent ?? 0);
    const width = CONTENT_W - (o.indent ?? 0);
    const fontName = this.fontName(text, o.bold);
    // The text's font stays the current one afterwards, as after pdfkit's text() (moveDown measures with it).
    d.fontSize(size).font(fontName);
    const whole = this.glyphs(text, o.bold, fontName);
    const lines =
      whole && (whole.advance * size) / 1000 <= width
        ? [whole]
        : this.wrapLines(text, fontName, width).map((l) => this.glyphs(l, o.bold, fontName));
    if (lines.length === 0 || lines.some((g) => g === null)) {
      d.fillColor(o.color ?? 'black').text(text, x, d.y, { width });
    } else {
      // Each line placed as pdfkit's line wrapper places it: a new page first when it would pass the bottom margin.
      const lineHeight = d.currentLineHeight(true);
      for (const g of lines) {
        const maxY = d.page.maxY();
        if (d.y > maxY || d.y + lineHeight > maxY) {
          d.continueOnNewPage();
          d.fontSize(size).font(fontName); // the new page's furniture leaves Body 9 current; the text keeps its own
        }
        this.draw([{ g: g!, x, y: d.y, size, color: o.color ?? 'black' }]);
        d.y += lineHeight;
      }
      d.x = x;
    }
    if (o.gap) d.moveDown(o.gap);
  }

  /** Cells on one line (no wrapping: long cells are cut with an ellipsis), then the next line. */
  row(cells: { text: string; x: number; w: number; bold?: boolean; color?: string }[], size = 8): void {
    const d = this.doc;
    this.need(size + 4);
    const y = d.y;
    d.fontSize(size);
    const direct: Cell[] = [];
    let last = '';
    let lastBold: boolean | undefined;
    for (const c of cells) {
      const text = this.fit(c.text, c.w, size, c.bold);
      const g = this.glyphs(text, c.bold);
      if (g) direct.push({ g, x: PAGE.margin + c.x, y, size, color: c.color ?? 'black' });
      else if (text) {
        this.font(text, c.bold);
        d.fillColor(c.color ?? 'black').text(text, PAGE.margin + c.x, y, { lineBreak: false });
        d.fillColor('black');
      }
      last = text;
      lastBold = c.bold;
    }
    if (direct.length) this.draw(direct);
    this.font(last, lastBold); // the last cell's font stays the current one, as when each cell was drawn by pdfkit
    d.x = PAGE.margin;
    d.y = y + size + 4;
  }

  /** The text's width at `size` in the font it is drawn in. */
  private widthOf(text: string, size: number, bold?: boolean): number {
    const g = this.glyphs(text, bold);
    if (g) return (g.advance * size) / 1000;
    this.font(text, bold);
    return this.doc.fontSize(size).widthOfString(text);
  }

  /** The text cut with an ellipsis to fit `width` (no line wrapper: tables have many cells). */
  private fit(text: string, width: number, size: number, bold?: boolean): string {
    if (this.widthOf(text, size, bold) <= width) return text;
    // Candidates are measured (in the font each would be drawn in), not cached: only the one that fits is drawn.
    this.doc.fontSize(size);
    const widthOfCandidate = (t: string) => this.font(t, bold).doc.widthOfString(t);
    let lo = 0;
    let hi = text.length;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (widthOfCandidate(`${text.slice(0, mid)}…`) <= width) lo = mid;
      else hi = mid - 1;
    }
    return `${text.slice(0, lo)}…`;
  }

  heading(text: string, size = 13): void {
    this.need(size * 3);
    this.doc.moveDown(0.4);
    this.line(text, { size, bold: true });
    this.doc.moveDown(0.2);
  }
}

function drawSignatures(w: Writer, model: ReportModel): void {
  const d = w.doc;
  w.heading('Signatures', 11);
  w.need(110);
  const top = d.y;
  const boxW = (CONTENT_W - 20) / 2;
  (['technician', 'witness'] as const).forEach((role, i) => {
    const x = PAGE.margin + i * (boxW + 20);
    const sig = [...model.signatures].reverse().find((s) => s.role === role);
    d.save();
    d.lineWidth(0.5).strokeColor('#888888').rect(x, top, boxW, 60).stroke();
    d.restore();
    if (sig) {
      // The strokes as drawn on screen, as vector paths (points are in a 0..1 box).
      d.save();
      d.lineWidth(1.2).lineJoin('round').lineCap('round').strokeColor('#10205a');
      for (const stroke of sig.strokes) {
        if (stroke.length === 0) continue;
        const [x0, y0] = stroke[0]!;
        d.moveTo(x + 4 + x0 * (boxW - 8), top + 4 + y0 * 52);
        if (stroke.length === 1) d.lineTo(x + 4 + x0 * (boxW - 8) + 0.5, top + 4 + y0 * 52);
        for (const [px, py] of stroke.slice(1)) d.lineTo(x + 4 + px * (boxW - 8), top + 4 + py * 52);
      }
      d.stroke();
      d.restore();
    }
    const label = sig
      ? `${role === 'technician' ? 'Technician' : 'Witness'}: ${sig.name}${sig.title ? `, ${sig.title}` : ''} — signed ${when(sig.signedAt)}`
      : `${role === 'technician' ? 'Technician' : 'Witness (owner’s representative / AHJ)'}: not signed`;
    d.fontSize(8).fillColor('black');
    w.font(label);
    d.text(label, x, top + 64, { width: boxW });
  });
  d.x = PAGE.margin;
  d.y = top + 90;
}

function cover(w: Writer, model: ReportModel, jsonSha: string): void {
  const d = w.doc;
  w.line('Commissioning report — electrified door locks', { size: 18, bold: true, gap: 0.3 });
  w.line(model.site.name, { size: 14, bold: true, gap: 0.5 });
  const facts: [string, string][] = [
    ['Scope', model.scope.description],
    ['Technician(s)', model.technicians.join(', ') || '—'],
    ['Witness', model.witness ? `${model.witness.name}${model.witness.title ? `, ${model.witness.title}` : ''}` : '—'],
    ['Tests', `${when(model.dates.firstTest)} to ${when(model.dates.lastTest)}`],
    ['Report generated', when(model.generatedAt)],
    ['Code edition', model.settings.edition],
    ['AHJ decision', model.settings.ahjNote ?? 'none recorded (code thresholds)'],
  ];
  for (const [k, v] of facts)
    w.row(
      [
        { text: k, x: 0, w: 110, bold: true },
        { text: v, x: 115, w: CONTENT_W - 115 },
      ],
      9,
    );
  d.moveDown(0.6);
  w.line(`Overall result: ${RESULT_WORDS[model.overall]}`, { size: 16, bold: true, color: RESULT_COLOURS[model.overall], gap: 0.4 });
  const c = model.summary.all;
  w.line(
    `${c.total} openings in scope: ${c.pass} pass, ${c.fail} fail, ${c.inconclusive} inconclusive, ${c.incomplete} incomplete, ${c.notTested} not tested.`,
    { size: 10, gap: 0.4 },
  );
  if (model.warnings.length) {
    w.line('Warnings', { size: 10, bold: true });
    for (const warning of model.warnings) w.line(`• ${warning}`, { size: 9, indent: 8 });
    d.moveDown(0.4);
  }
  w.line('Integrity', { size: 10, bold: true });
  w.line(`Report data (embedded ${EMBEDDED_JSON_NAME}) SHA-256: ${jsonSha}`, { size: 7.5 });
  w.line(`Schedule SHA-256: ${model.integrity.scheduleHash}`, { size: 7.5 });
  w.line(`Event log: ${model.integrity.eventLogLength} events, head ${model.integrity.eventLogHead ?? '(empty)'}`, { size: 7.5, gap: 0.4 });
  drawSignatures(w, model);
}

function summaryTable(w: Writer, model: ReportModel): void {
  w.heading('Summary by floor');
  const cols = [
    { h: 'Floor', x: 0, w: 120 },
    { h: 'Openings', x: 130, w: 55 },
    { h: 'Pass', x: 190, w: 50 },
    { h: 'Fail', x: 245, w: 50 },
    { h: 'Inconclusive', x: 300, w: 70 },
    { h: 'Incomplete', x: 375, w: 65 },
    { h: 'Not tested', x: 445, w: 65 },
  ];
  w.row(
    cols.map((c) => ({ text: c.h, x: c.x, w: c.w, bold: true })),
    8.5,
  );
  for (const f of [...model.summary.byFloor, { ...model.summary.all, floor: 'All floors' }]) {
    const v = [f.floor, f.total, f.pass, f.fail, f.inconclusive, f.incomplete, f.notTested].map(String);
    w.row(
      cols.map((c, i) => ({ text: v[i]!, x: c.x, w: c.w, bold: f.floor === 'All floors' })),
      8.5,
    );
  }
  w.heading('Openings');
  const oc = [
    { x: 0, w: 70 },
    { x: 72, w: 40 },
    { x: 114, w: 190 },
    { x: 306, w: 80 },
    { x: 388, w: 124 },
  ];
  w.row(
    ['Opening', 'Floor', 'Location', 'Expected', 'Result'].map((t, i) => ({ text: t, ...oc[i]!, bold: true })),
    8,
  );
  for (const o of model.openings) {
    w.row(
      [o.openingId, o.floor, o.location, o.expectedMode, RESULT_WORDS[o.result]].map((t, i) => ({
        text: t,
        ...oc[i]!,
        color: i === 4 ? RESULT_COLOURS[o.result] : undefined,
      })),
      8,
    );
  }
}

function attemptLines(w: Writer, a: ReportAttempt, indent: number): void {
  for (const s of a.steps) {
    const time = s.measuredMs !== null ? `${ms(s.measuredMs)} ±${ms(s.resolutionMs)}` : '';
    w.row(
      [
        { text: s.verdict.toUpperCase(), x: indent, w: 70, color: RESULT_COLOURS[s.verdict] },
        { text: s.title, x: indent + 72, w: 250 - indent },
        { text: time, x: 326, w: 90 },
        {
          text: s.personEvidence ? 'person-confirmed' : 'door reading',
          x: 420,
          w: CONTENT_W - 420,
          color: s.personEvidence ? '#6a1b9a' : '#555555',
        },
      ],
      7.5,
    );
    // Why a step did not pass is evidence: written out in full, never cut.
    if (s.verdict !== 'pass') w.line(s.reason, { size: 7, indent: indent + 72, color: '#333333' });
  }
}

function openingSection(w: Writer, o: ReportOpening, model: ReportModel): void {
  const d = w.doc;
  w.need(70);
  d.moveDown(0.5);
  d.save();
  d.lineWidth(0.5)
    .strokeColor('#999999')
    .moveTo(PAGE.margin, d.y)
    .lineTo(PAGE.width - PAGE.margin, d.y)
    .stroke();
  d.restore();
  d.moveDown(0.2);
  w.row(
    [
      { text: `${o.openingId} — ${o.location}`, x: 0, w: 380, bold: true },
      { text: RESULT_WORDS[o.result], x: 390, w: CONTENT_W - 390, bold: true, color: RESULT_COLOURS[o.result] },
    ],
    10,
  );
  w.line(
    `Building ${o.building || '—'}, floor ${o.floor} · ${o.category} · ${o.lockingArrangement} · rated ${o.fireRatingMin} min · code basis: ${o.codeBasis || '—'}`,
    { size: 7.5 },
  );
  w.line(o.modeReason, { size: 7.5 });
  const h = o.hardware;
  w.line(
    `Hardware: ${h.lockType}, set ${h.hardwareSet || '—'}, supply ${h.powerSupply || '—'}, ${h.lockVoltage ?? '?'} V, ${h.lockCurrentMa ?? '?'} mA, PD ${h.pdAddress ?? 'none'} · NDAA 889: ${o.procurement.ndaa889} · TAA: ${o.procurement.taa}`,
    { size: 7.5 },
  );
  for (const p of o.procedures) {
    const head = `${p.title}${p.required ? ' (required)' : ''}`;
    if (!p.final) {
      w.row(
        [
          { text: head, x: 4, w: 250, bold: true },
          { text: 'NOT TESTED', x: 264, w: 120, color: RESULT_COLOURS['not-tested'] },
        ],
        8,
      );
      continue;
    }
    const a = p.final;
    w.row(
      [
        { text: head, x: 4, w: 250, bold: true },
        {
          text: `${a.verdict.toUpperCase()}${a.interrupted ? ' (interrupted)' : ''}`,
          x: 264,
          w: CONTENT_W - 264,
          bold: true,
          color: RESULT_COLOURS[a.verdict],
        },
      ],
      8,
    );
    w.line(`Attempt ${a.id}, run ${a.runId}: ${when(a.startedAt)} to ${when(a.endedAt)}${a.link ? ` over ${a.link}` : ''}`, {
      size: 7,
      indent: 12,
      color: '#444444',
    });
    if (p.citation) w.line(p.citation, { size: 7, indent: 12, color: '#444444' });
    if (a.verdict !== 'pass') w.line(a.reason, { size: 7.5, indent: 12 });
    attemptLines(w, a, 12);
    for (const old of p.history) {
      w.line(
        `Earlier attempt ${old.id} (${when(old.startedAt)}): ${old.verdict.toUpperCase()}${old.interrupted ? ' (interrupted)' : ''} — ${old.reason}${a.supersedes === old.id ? ' — superseded by the retest above' : ''}`,
        { size: 7, indent: 12, color: '#444444' },
      );
    }
  }
  if (o.deficiencyIds.length) {
    const byId = new Map(model.deficiencies.map((x) => [x.id, x]));
    w.line(
      `Deficiencies: ${o.deficiencyIds.map((id) => `#${id} ${byId.get(id)?.severity ?? ''} (${byId.get(id)?.status ?? ''})`).join(', ')}`,
      { size: 7.5, color: '#b00020' },
    );
  }
}

function deficiencies(w: Writer, model: ReportModel, photos: PhotoSource): void {
  w.doc.addPage();
  w.heading('Deficiencies');
  if (model.deficiencies.length === 0) w.line('None recorded in scope.');
  for (const x of model.deficiencies) {
    w.need(40);
    w.line(`#${x.id} · ${x.openingId} · ${x.severity} · ${x.status}`, { size: 9, bold: true });
    w.line(x.description, { size: 8.5 });
    for (const h of x.history)
      w.line(
        `${when(h.at)} ${h.status} by ${h.by}${h.note ? ` — ${h.note}` : ''}${h.retestAttemptId ? ` (retest attempt ${h.retestAttemptId})` : ''}`,
        {
          size: 7.5,
          indent: 10,
        },
      );
    for (const p of x.photos) {
      const bytes = /^image\/(jpeg|png)$/.test(p.mimeType) ? photos.read(p.sha256) : null;
      w.need(bytes ? 96 : 12);
      const y = w.doc.y;
      if (bytes) {
        w.doc.image(bytes, PAGE.margin + 10, y, { fit: [120, 90] });
        w.doc.y = y;
      }
      w.line(`Photo ${p.fileName} (${p.mimeType}, ${p.size} bytes) SHA-256 ${p.sha256}${bytes ? '' : ' — not drawn (format)'}`, {
        size: 7,
        indent: bytes ? 140 : 10,
      });
      if (bytes) w.doc.y = Math.max(w.doc.y, y + 94);
    }
    w.doc.moveDown(0.3);
  }
}

function appendix(w: Writer, model: ReportModel): void {
  w.doc.addPage();
  w.heading('Appendix: evidence trace summary');
  const attempts = model.openings.flatMap((o) => o.procedures.flatMap((p) => (p.final ? [p.final, ...p.history] : p.history)));
  const steps = attempts.flatMap((a) => a.steps);
  const person = steps.filter((s) => s.personEvidence).length;
  w.line(
    `Runs: ${model.scope.runIds.join(', ') || '—'}. Attempts recorded: ${attempts.length} (${attempts.filter((a) => a.interrupted).length} interrupted).`,
  );
  w.line(`Step results: ${steps.length}; from door readings: ${steps.length - person}; person-confirmed: ${person}.`);
  w.line(
    `Timed steps: release / relock times are the interval from the command (or action) to the first reading showing the change; "±" is the resolution of that reading (the change happened within that long before it was seen).`,
  );
  w.line(
    `Every command, reading batch, confirmation and result is in the site database's hash-chained event log: ${model.integrity.eventLogLength} events, head ${model.integrity.eventLogHead ?? '(empty)'}. A verifier with the database checks that head is in its chain.`,
    { gap: 0.4 },
  );
  w.line('Thresholds (ms)', { bold: true });
  for (const [k, v] of Object.entries(model.settings.thresholds))
    w.row(
      [
        { text: k, x: 10, w: 200 },
        { text: String(v), x: 220, w: 100 },
      ],
      8,
    );
}

/**
 * The model JSON as an associated file (AFRelationship /Data): the same objects pdfkit's doc.file() writes (embedded
 * file stream with its MD5 /CheckSum, file specification, EmbeddedFiles name tree entry, catalog /AF), with the MD5
 * taken by Node's crypto rather than pdfkit's JavaScript MD5 (a large report's JSON is several megabytes), and the
 * stream compressed here (as pdfkit would) so the builder knows the exact bytes stored. Returns their SHA-256.
 */
function attachJson(doc: Doc, json: Buffer, at: Date): string {
  type Ref = { end(data?: Uint8Array): void };
  const d = doc as Doc & {
    ref(data: object): Ref;
    addNamedEmbeddedFile(name: string, ref: Ref): void;
    _root: { data: { AF?: Ref[] } };
  };
  const stored = deflateSync(json);
  const file = d.ref({
    Type: 'EmbeddedFile',
    Params: { CreationDate: at, ModDate: at, CheckSum: new String(createHash('md5').update(json).digest('hex')), Size: json.length },
    Subtype: 'application#2Fjson',
    Filter: 'FlateDecode',
  });
  file.end(stored);
  const spec = d.ref({
    Type: 'Filespec',
    AFRelationship: 'Data',
    F: new String(EMBEDDED_JSON_NAME),
    EF: { F: file },
    UF: new String(EMBEDDED_JSON_NAME),
    Desc: new String('DoorCx commissioning report data (schema: docs/report.schema.json)'),
  });
  spec.end();
  d.addNamedEmbeddedFile(EMBEDDED_JSON_NAME, spec);
  (d._root.data.AF ??= []).push(spec);
  return sha256(stored);
}

/** Resolves once the pages written so far have left the document's buffer for `out` (which then writes them). */
async function drained(doc: Doc): Promise<void> {
  do await new Promise((resolve) => setImmediate(resolve));
  while (doc.readableLength > 256 * 1024);
}

/** Words pdfkit keeps laid out per font, at most (unique words, times and ids, would otherwise pile up in memory). */
const LAYOUT_CACHE_MAX = 2_000;

/** Empties pdfkit's per-font word layout cache where it has grown past LAYOUT_CACHE_MAX (the Writer keeps whole strings). */
function trimLayoutCaches(doc: Doc): void {
  const fonts = (doc as unknown as { _fontFamilies: Record<string, { layoutCache?: Record<string, unknown> }> })._fontFamilies;
  for (const font of new Set(Object.values(fonts)))
    if (font.layoutCache) {
      let n = 0;
      for (const _ in font.layoutCache) if (++n > LAYOUT_CACHE_MAX) break;
      if (n > LAYOUT_CACHE_MAX) font.layoutCache = Object.create(null) as Record<string, unknown>;
    }
}

export interface RenderedReport {
  /** SHA-256 of the model JSON (printed on the cover, in the document info). */
  jsonSha256: string;
  /** SHA-256 of the embedded JSON's stream as stored in the file (compressed). */
  jsonStreamSha256: string;
}

/** Renders the whole report into `out`; resolves when the last byte is written. */
export async function renderReportPdf(
  model: ReportModel,
  photos: PhotoSource,
  out: Writable,
  progress?: RenderProgress,
): Promise<RenderedReport> {
  let json: Buffer | null = modelJson(model);
  const jsonSha = sha256(json);
  const at = new Date(model.generatedAt);
  const doc = new PDFDocument({
    size: 'LETTER',
    margin: PAGE.margin,
    pdfVersion: '1.7',
    autoFirstPage: true,
    bufferPages: false,
    lang: 'en-US',
    displayTitle: true,
    info: {
      Title: `Commissioning report — ${model.site.name}`,
      Author: model.technicians.join(', '),
      Subject: `Electrified door lock commissioning: ${model.scope.description}`,
      Creator: 'DoorCx',
      Producer: 'DoorCx (pdfkit)',
      CreationDate: at,
      ModDate: at,
      [INFO_MODEL_HASH]: jsonSha,
    } as PDFKit.DocumentInfo,
  });
  const finished = new Promise<void>((resolve, reject) => {
    out.once('finish', resolve);
    out.once('error', reject);
    doc.once('error', reject);
  });
  doc.pipe(out);
  const jsonStreamSha = attachJson(doc, json, at);
  json = null; // written out (compressed) already: not held while the pages are drawn
  const w = new Writer(doc, `${model.site.name} · commissioning report ${when(model.generatedAt)}`, model.draft);
  cover(w, model, jsonSha);
  doc.addPage();
  summaryTable(w, model);
  doc.addPage();
  w.heading('Openings in detail');
  for (const [i, o] of model.openings.entries()) {
    openingSection(w, o, model);
    if (i % 25 === 24) {
      progress?.(i + 1, model.openings.length);
      // Let the finished pages reach the file (and progress reach the screen) instead of piling up in memory.
      await drained(doc);
      trimLayoutCaches(doc);
    }
  }
  deficiencies(w, model, photos);
  appendix(w, model);
  progress?.(model.openings.length, model.openings.length);
  doc.end();
  await finished;
  return { jsonSha256: jsonSha, jsonStreamSha256: jsonStreamSha };
}
