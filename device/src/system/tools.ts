import type { Logger } from 'pino';
import type { ResolvedConfig } from '../config/load.js';
import { backupDb } from '../export/backup.js';
import { buildDeviceCamtrap, camtrapZip } from '../export/camtrap.js';
import type { ToolsDeps } from '../http/tools-routes.js';
import type { Db } from '../store/db.js';
import { logRingOf } from './logger.js';
import { takeTestShot, testShotState } from './test-shot.js';
import { testUplink, viaConnectedRelay } from './uplink-test.js';

export interface ToolsWiring {
  /** The running config (live settings are swapped into it). */
  config: ResolvedConfig;
  /** The settings as saved now (file + panel overlay): the uplink test tries these, so new credentials can be checked before a restart. */
  saved: () => ResolvedConfig;
  db: Db;
  logger: Logger;
  restart: (() => void) | null;
  /** The relay's link: when it is up with the saved settings, the test reports it instead of competing for the client id. */
  relay?: () => { connected: boolean; since: string | null } | null;
}

/** The Tools page's actions, wired to the daemon's parts. */
export function panelTools(w: ToolsWiring): ToolsDeps {
  const log = w.logger.child({ mod: 'tools' });
  return {
    testUplink: async () => {
      const saved = w.saved();
      const link = w.relay?.();
      const same = JSON.stringify(saved.cloud) === JSON.stringify(w.config.cloud) && saved.deviceId === w.config.deviceId;
      const r = link?.connected && same && saved.cloud.mqttUrl ? await viaConnectedRelay(saved.cloud.mqttUrl, link.since) : await testUplink(saved.cloud, saved.deviceId);
      log.info({ outcome: r.outcome, broker: r.broker, rttMs: r.rttMs }, 'uplink test');
      return r;
    },
    takeTestShot: async () => {
      const r = await takeTestShot({ gpio: w.config.gpio, inbox: w.config.inbox });
      if (r.ok) log.info({ file: r.file, source: r.source }, 'test shot taken');
      else log.warn({ source: r.source, err: r.message }, 'test shot failed');
      return r;
    },
    testShotState: (file) => testShotState(w.db, file),
    logs: () => logRingOf(w.logger)?.text() ?? null,
    backup: () => backupDb(w.db, w.config.dataDir),
    camtrapDp: () => {
      const pkg = buildDeviceCamtrap(w.db, w.config);
      return { zip: camtrapZip(pkg), counts: pkg.counts, missingLocations: pkg.missingLocations };
    },
    restart: w.restart,
    deviceId: () => w.config.deviceId,
  };
}
