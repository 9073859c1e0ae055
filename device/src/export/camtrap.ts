import { buildCamtrapPackage, zipStore, type CamtrapFiles } from '@spoor/protocol';
import type { ResolvedConfig } from '../config/load.js';
import type { Db } from '../store/db.js';
import type { Sighting } from '../store/sightings.js';

/**
 * This unit's sightings as a Camtrap DP 1.0 package (the builder shared with the hub, in
 * protocol): one deployment described by the `deployment` settings, the unit's local
 * individual ids (the hub's export has the global ones), classified when the sighting was stored.
 */
export function buildDeviceCamtrap(db: Db, config: Pick<ResolvedConfig, 'deviceId' | 'name' | 'deployment'>, created = new Date()): CamtrapFiles {
  const rows = db.prepare('SELECT body, created_at FROM sightings ORDER BY taken_at, id').iterate() as IterableIterator<{ body: string; created_at: string }>;
  function* sightings() {
    for (const r of rows) yield { sighting: JSON.parse(r.body) as Sighting, classifiedAt: r.created_at, individualID: (local: string) => local };
  }
  return buildCamtrapPackage({ sightings: sightings(), deployments: { [config.deviceId]: config.deployment }, created, publisher: `Spoor device ${config.name} (${config.deviceId})` });
}

/** The package as one store-only zip: datapackage.json and the three CSV tables. */
export function camtrapZip(pkg: CamtrapFiles, created = new Date()): Buffer {
  return zipStore(pkg.files, created);
}
