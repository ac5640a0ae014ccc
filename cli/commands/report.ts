// `doorcx report build | verify | json | csv | countersign`: signed commissioning
// reports from the command line. The .p12 passphrase comes from the
// DOORCX_P12_PASSPHRASE environment variable or a hidden prompt, never a flag.
// The work is in report-actions.ts, imported when a report command runs, so
// `doorcx help` and every other command start as fast as before.
import type { CliCommand } from '../main';

export const PASSPHRASE_ENV = 'DOORCX_P12_PASSPHRASE';

const scopeOptions = {
  db: { type: 'string' },
  site: { type: 'string' },
  run: { type: 'string', multiple: true },
  floor: { type: 'string', multiple: true },
  opening: { type: 'string', multiple: true },
  witness: { type: 'string' },
  'witness-title': { type: 'string' },
  out: { type: 'string' },
} as const;

export const reportCommands: CliCommand[] = [
  {
    name: 'report',
    usage:
      'report build --db PATH --site NAME --out FILE.pdf [--run N …] [--floor F …] [--opening ID …] [--technician NAME] [--witness NAME] [--p12 FILE] | verify FILE [--db PATH] [--json] | json|csv --db PATH --site NAME [--out FILE] | countersign FILE --p12 FILE [--out FILE]',
    summary: `Build a signed commissioning report, verify one, export its data (passphrase: ${PASSPHRASE_ENV} or prompt)`,
    options: {
      ...scopeOptions,
      technician: { type: 'string' },
      p12: { type: 'string' },
      json: { type: 'boolean' },
    },
    run: async (args, io) => (await import('./report-actions')).runReport(args, io),
  },
  {
    name: 'labels',
    usage: 'labels --db PATH --site NAME --out FILE.pdf [--floor F …] [--opening ID …] [--stock letter|a4]',
    summary: 'Print door labels (mode in large type, code basis, last test, QR code for the opening finder)',
    options: { ...scopeOptions, stock: { type: 'string' } },
    run: async (args, io) => (await import('./report-actions')).runLabels(args, io),
  },
];
