// `doorcx ports`, `doorcx simulate`, `doorcx scan`: the controller link from the command line.
// The serial port, the driver and the simulator load when a command runs, not on `doorcx help`.
import type { ScanReport } from '../../controller/driver';
import type { KeyFile } from '../../controller/key-file';
import { CliUsageError, type CliCommand } from '../main';

const serial = () => import('../../controller/serial/transport');

function str(v: string | boolean | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

async function parseBaud(v: string | boolean | undefined, fallback = 9600): Promise<number> {
  const s = str(v);
  if (s === undefined) return fallback;
  const { STANDARD_BAUDS } = await serial();
  const n = Number(s);
  if (!(STANDARD_BAUDS as readonly number[]).includes(n))
    throw new CliUsageError(`--baud must be one of ${STANDARD_BAUDS.join(', ')} (got "${s}").`);
  return n;
}

function parseAddress(name: string, v: string | boolean | undefined, fallback: number): number {
  const s = str(v);
  if (s === undefined) return fallback;
  const n = Number(s);
  if (!Number.isInteger(n) || n < 0 || n > 126) throw new CliUsageError(`--${name} must be a PD address 0-126 (got "${s}").`);
  return n;
}

/** Keys only ever come from a file (`--key-file`), never from argv. */
async function keyFile(v: string | boolean | undefined): Promise<KeyFile | null> {
  const path = str(v);
  if (path === undefined) return null;
  const { KeyFileError, readKeyFile } = await import('../../controller/key-file');
  try {
    return readKeyFile(path);
  } catch (err) {
    if (err instanceof KeyFileError) throw new CliUsageError(err.message);
    throw err;
  }
}

function describeScan(report: ScanReport): string {
  const lines = [
    `${report.cancelled ? 'Cancelled. ' : ''}Probed ${report.probed} of ${report.total} address/baud combinations in ` +
      `${(report.durationMs / 1000).toFixed(1)} s; found ${report.found.length} PD(s).`,
  ];
  for (const f of report.found) {
    const id = f.identity
      ? `vendor ${f.identity.vendor} model ${f.identity.model} serial ${f.identity.serial} fw ${f.identity.firmware}`
      : 'no ID';
    const cap = f.capabilities
      ? `${f.capabilities.inputs} in / ${f.capabilities.outputs} out${f.capabilities.secureChannel ? ', secure channel' : ''}`
      : 'no CAP';
    const key = f.requiresKey
      ? 'REQUIRES A SECURE-CHANNEL KEY (give it with --key-file)'
      : f.defaultKey === true
        ? 'DEFAULT KEY (SCBK-D) STILL IN USE'
        : f.defaultKey === false
          ? 'own key'
          : 'no secure channel';
    lines.push(`  addr ${String(f.address).padStart(3)} @ ${f.baud}: ${id}; ${cap}; ${key}${f.note ? ` (${f.note})` : ''}`);
  }
  return lines.join('\n') + '\n';
}

export const controllerCommands: CliCommand[] = [
  {
    name: 'ports',
    usage: 'ports',
    summary: 'List serial ports (USB–RS-485 adapters)',
    options: {},
    run: async (_args, io) => {
      const { listPorts } = await serial();
      const ports = await listPorts();
      if (ports.length === 0) io.out('No serial ports found. A socat PTY or a port not listed by udev can still be used by its path.\n');
      for (const p of ports)
        io.out(`${p.path}${p.manufacturer ? `  ${p.manufacturer}` : ''}${p.serialNumber ? `  s/n ${p.serialNumber}` : ''}\n`);
      return 0;
    },
  },
  {
    name: 'simulate',
    usage: 'simulate --port PATH (--demo | --db FILE --site NAME) [--baud B] [--sim-config FILE] [--key-file FILE]',
    summary: "Run simulated OSDP PDs for a site's openings on a tty (e.g. one end of a socat PTY pair)",
    options: {
      port: { type: 'string' },
      demo: { type: 'boolean' },
      db: { type: 'string' },
      site: { type: 'string' },
      baud: { type: 'string' },
      'sim-config': { type: 'string' },
      'key-file': { type: 'string' },
    },
    run: async ({ values }, io) => {
      const port = str(values.port);
      if (!port) throw new CliUsageError('--port is required.');
      const demo = values.demo === true;
      if (!demo && !(str(values.db) && str(values.site))) throw new CliUsageError('give --demo, or --db and --site.');
      const baud = await parseBaud(values.baud);
      const keys = await keyFile(values['key-file']);
      const { loadSimulatedSite } = await import('../../app/handlers/controller');
      const { runSiteSim } = await import('../../controller/sim/runner');
      const { SerialTransport } = await serial();
      const site = await loadSimulatedSite({ demo, db: str(values.db), site: str(values.site), simConfig: str(values['sim-config']) });
      if (keys) {
        const { hex } = await import('../../controller/protocol/frame');
        // The simulated PDs hold these keys as their own (a site whose PDs were re-keyed).
        for (const o of site.openings) {
          const k = o.pd_address === null ? undefined : keys.keyFor(o.pd_address);
          if (k) site.config.openings[o.opening_id] = { ...site.config.openings[o.opening_id], scbk: hex(k) };
        }
      }
      const transport = new SerialTransport(port, baud);
      await transport.open();
      const live = runSiteSim(transport, {
        openings: site.openings,
        config: site.config,
        baud,
        onChange: (c) => io.out(`${new Date().toISOString()} ${c.openingId}: ${c.what}\n`),
      });
      const pds = live.sim.info();
      io.out(
        `Simulating ${pds.length} PD(s) for "${site.siteName}" on ${port} at ${baud} baud: ` +
          `addresses ${pds.map((p) => p.address).join(', ')}. Press Ctrl+C to stop.\n`,
      );
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await live.stop();
      io.out('Simulator stopped.\n');
      return 0;
    },
  },
  {
    name: 'scan',
    usage: 'scan --port PATH [--baud B | --all-bauds] [--from 0] [--to 126] [--stop-at-first] [--key-file FILE]',
    summary: 'Find the PDs on a bus: ID, capabilities, default secure-channel key',
    options: {
      port: { type: 'string' },
      baud: { type: 'string' },
      'all-bauds': { type: 'boolean' },
      from: { type: 'string' },
      to: { type: 'string' },
      'stop-at-first': { type: 'boolean' },
      'key-file': { type: 'string' },
    },
    run: async ({ values }, io) => {
      const port = str(values.port);
      if (!port) throw new CliUsageError('--port is required.');
      const baud = await parseBaud(values.baud);
      const from = parseAddress('from', values.from, 0);
      const to = parseAddress('to', values.to, 126);
      if (from > to) throw new CliUsageError('--from must not be above --to.');
      const keys = await keyFile(values['key-file']);
      const { OsdpController } = await import('../../controller/driver');
      const { SerialTransport, STANDARD_BAUDS } = await serial();
      const controller = new OsdpController(new SerialTransport(port, baud));
      await controller.open();
      // Ctrl+C cancels the scan and still prints what was found.
      const abort = new AbortController();
      const cancel = () => abort.abort();
      process.once('SIGINT', cancel);
      try {
        const report = await controller.scan({
          bauds: values['all-bauds'] === true ? [...STANDARD_BAUDS] : [baud],
          from,
          to,
          stopAtFirst: values['stop-at-first'] === true,
          signal: abort.signal,
          keyFor: keys ? (a) => keys.keyFor(a) : undefined,
          onProgress: (p) => {
            if (p.found) io.err(`found PD at address ${p.address} @ ${p.baud}\n`);
            if (p.found || p.probed % 16 === 0 || p.probed === p.total)
              io.err(`probed ${p.probed}/${p.total}, ${p.pdsFound} PD(s) found\n`);
          },
        });
        io.out(describeScan(report));
        return 0;
      } finally {
        process.off('SIGINT', cancel);
        await controller.close();
      }
    },
  },
];
