// Where DoorCx keeps its data when no path is given: the same user-data folder
// Electron uses for an app named "DoorCx", so the web host and the desktop app
// share one database. DOORCX_DATA_DIR overrides it.
import { homedir } from 'node:os';
import { join } from 'node:path';

export const APP_NAME = 'DoorCx';

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (env.DOORCX_DATA_DIR) return env.DOORCX_DATA_DIR;
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), APP_NAME);
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', APP_NAME);
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), APP_NAME);
}

export function databaseFile(dataDir: string): string {
  return join(dataDir, 'doorcx.sqlite');
}
