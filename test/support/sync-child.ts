// A laptop syncing in a loop in its own process, so a test can SIGKILL it mid-push.
// Prints "push <n>" after each acknowledged batch. SYNC_PUSHES_IN_FLIGHT: pushes sent together.
import { migrate } from '../../db/migrate';
import { openSqlite } from '../../db/sqlite';
import { runSync } from '../../sync';

const [dbFile, dataDir] = process.argv.slice(2) as [string, string];
const db = openSqlite(dbFile);
migrate(db);
for (;;) {
  await runSync(db, {
    dataDir,
    batchRecords: 25,
    pushesInFlight: Number(process.env.SYNC_PUSHES_IN_FLIGHT ?? 2),
    onProgress: (p) => {
      if (p.phase === 'push') process.stdout.write(`push ${p.done}\n`);
    },
  });
  process.stdout.write('synced\n');
}
