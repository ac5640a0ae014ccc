// Reading a simulator config file (what is really installed at a site) from disk.
import { readFileSync } from 'node:fs';
import { DEMO_SIM_CONFIG_URL, parseSimSiteConfig, type SimSiteConfig } from './site-sim';

export function readSimSiteConfig(file: string | URL = DEMO_SIM_CONFIG_URL): SimSiteConfig {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`Cannot read simulator config ${String(file)}: ${(err as Error).message}`);
  }
  return parseSimSiteConfig(json);
}
