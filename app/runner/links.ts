// Controller links for the runner: the in-process simulated controller for a
// site (demo, no hardware) or a serial port. One link per key, reused across
// attempts and closed with the app.
import { OsdpController } from '../../controller/driver';
import { memoryPair, SerialTransport } from '../../controller/serial/transport';
import { readSimSiteConfig } from '../../controller/sim/site-config';
import { SiteSim, type SimSiteConfig } from '../../controller/sim/site-sim';
import type { Opening } from '../../core/schedule/types';

export interface RunnerLink {
  key: string;
  description: string;
  controller: OsdpController;
  /** The simulated site, when the link is simulated (sim controls for demos and tests). */
  sim: SiteSim | null;
  close(): Promise<void>;
}

export async function openSimulatedLink(key: string, openings: Opening[], config: SimSiteConfig): Promise<RunnerLink> {
  const pair = memoryPair({ baud: 115200 });
  await pair.bus.open();
  const sim = new SiteSim({ openings, config, now: () => performance.now(), baud: 115200 });
  sim.attach(pair.bus);
  const controller = new OsdpController(pair.acu);
  await controller.open();
  return {
    key,
    description: 'simulated controller (in-process)',
    controller,
    sim,
    close: async () => {
      await controller.close();
      sim.detach();
      await pair.bus.close();
    },
  };
}

export async function openSerialLink(port: string, baud: number): Promise<RunnerLink> {
  const transport = new SerialTransport(port, baud);
  const controller = new OsdpController(transport);
  await controller.open();
  return { key: `serial:${port}@${baud}`, description: `${port} at ${baud} baud`, controller, sim: null, close: () => controller.close() };
}

/** The demo site's simulator config (what is really installed: the miswired openings). */
export function demoSimConfig(): SimSiteConfig {
  return readSimSiteConfig();
}
