// Door labels: a printable sheet on common label stock (Letter 2×5 at 4"×2", as
// Avery 5163; A4 2×7 at 99.1×38.1 mm, as L7163). Each label: the opening id, the
// mode in large type, the code basis, the last test date and verdict, and a QR code
// with the site and opening the opening finder reads (core/runs/door-tag.ts).
import type { Writable } from 'node:stream';
import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';
import type { ReportModel } from '../core/report/model';
import { doorLabelPayload } from '../core/runs/door-tag';
import { FONTS_DIR, cjkFontBytes } from './pdf';
import { join } from 'node:path';

export type LabelStock = 'letter' | 'a4';
const MM = 72 / 25.4;
const STOCKS: Record<
  LabelStock,
  { size: string; cols: number; rows: number; w: number; h: number; left: number; top: number; gapX: number; gapY: number }
> = {
  letter: { size: 'LETTER', cols: 2, rows: 5, w: 288, h: 144, left: 11.25, top: 36, gapX: 13.5, gapY: 0 },
  a4: { size: 'A4', cols: 2, rows: 7, w: 99.1 * MM, h: 38.1 * MM, left: 4.65 * MM, top: 15.15 * MM, gapX: 2.5 * MM, gapY: 0 },
};

export interface DoorLabel {
  openingId: string;
  location: string;
  mode: 'fail-safe' | 'fail-secure';
  codeBasis: string;
  lastTest: { at: string; verdict: string } | null;
}

/** One label per opening in the model's scope, with its latest recorded result. */
export function labelsFromModel(model: ReportModel): DoorLabel[] {
  return model.openings.map((o) => {
    const finals = o.procedures.map((p) => p.final).filter((a) => a !== null);
    const at =
      finals
        .map((a) => a.endedAt ?? a.startedAt)
        .sort()
        .pop() ?? null;
    return {
      openingId: o.openingId,
      location: o.location,
      mode: o.expectedMode,
      codeBasis: o.codeBasis,
      lastTest: at ? { at: at.slice(0, 10), verdict: o.result.toUpperCase().replace('-', ' ') } : null,
    };
  });
}

export async function renderLabelsPdf(site: string, labels: DoorLabel[], stock: LabelStock, at: Date, out: Writable): Promise<void> {
  const s = STOCKS[stock];
  const doc = new PDFDocument({
    size: s.size,
    margin: 0,
    autoFirstPage: false,
    info: { Title: `Door labels — ${site}`, Creator: 'DoorCx', CreationDate: at, ModDate: at },
  });
  const done = new Promise<void>((resolve, reject) => {
    out.once('finish', resolve);
    out.once('error', reject);
  });
  doc.pipe(out);
  doc.registerFont('Body', join(FONTS_DIR, 'DejaVuSans.ttf'));
  doc.registerFont('Bold', join(FONTS_DIR, 'DejaVuSans-Bold.ttf'));
  doc.registerFont('CJK', cjkFontBytes());
  const font = (text: string, bold = false) =>
    doc.font(/[\u2E80-\u9FFF\uAC00-\uD7AF\uF900-\uFAFF]/.test(text) ? 'CJK' : bold ? 'Bold' : 'Body');
  const perPage = s.cols * s.rows;
  labels.forEach((l, i) => {
    if (i % perPage === 0) doc.addPage();
    const col = (i % perPage) % s.cols;
    const row = Math.floor((i % perPage) / s.cols);
    const x = s.left + col * (s.w + s.gapX);
    const y = s.top + row * (s.h + s.gapY);
    const pad = 8;
    const qrSize = s.h - 2 * pad;
    // The QR code as vector squares (sharp at any printer resolution).
    const qr = QRCode.create(doorLabelPayload(site, l.openingId), { errorCorrectionLevel: 'M' });
    const n = qr.modules.size;
    const cell = qrSize / (n + 2);
    doc.save().fillColor('black');
    for (let r = 0; r < n; r++)
      for (let c = 0; c < n; c++) if (qr.modules.get(r, c)) doc.rect(x + pad + (c + 1) * cell, y + pad + (r + 1) * cell, cell, cell);
    doc.fill().restore();
    const tx = x + pad + qrSize + 6;
    const tw = s.w - (tx - x) - pad;
    font(l.openingId, true)
      .fontSize(16)
      .fillColor('black')
      .text(l.openingId, tx, y + pad, { width: tw, lineBreak: false, ellipsis: true });
    doc
      .font('Bold')
      .fontSize(l.mode === 'fail-safe' ? 20 : 17)
      .fillColor(l.mode === 'fail-safe' ? '#1b6e20' : '#b00020');
    doc.text(l.mode === 'fail-safe' ? 'FAIL-SAFE' : 'FAIL-SECURE', tx, y + pad + 22, { width: tw, lineBreak: false });
    doc.fillColor('black').fontSize(7);
    font(l.location).text(l.location, tx, y + pad + 48, { width: tw, height: 18, ellipsis: true });
    font(l.codeBasis).text(`Code basis: ${l.codeBasis || '—'}`, tx, y + pad + 66, { width: tw, height: 18, ellipsis: true });
    doc.font('Body').text(l.lastTest ? `Last test ${l.lastTest.at}: ${l.lastTest.verdict}` : 'Not tested yet', tx, y + s.h - pad - 18, {
      width: tw,
      lineBreak: false,
    });
    font(site)
      .fontSize(6)
      .fillColor('#555555')
      .text(site, tx, y + s.h - pad - 8, { width: tw, lineBreak: false, ellipsis: true });
  });
  if (labels.length === 0) doc.addPage().font('Body').fontSize(12).text('No openings in scope.', 72, 72);
  doc.end();
  await done;
}
