import { buildCamtrapPackage, CAMTRAP_COLUMNS, CAMTRAP_DP, camtrapDatetime, toCsv, type CamtrapFiles, type SightingPayload } from '@spoor/protocol';
import type { Queryable } from '../store/sql.js';

/** The standard's URLs, columns, CSV writer and datetime format live in protocol (shared with the device's export). */
export { CAMTRAP_DP };
export const COLUMNS = CAMTRAP_COLUMNS;
export const csv = toCsv;
export const dt = camtrapDatetime;

export interface Location {
  latitude: number;
  longitude: number;
  locationName?: string;
}

export type CamtrapExport = CamtrapFiles;

/**
 * Build a Camtrap DP 1.0 package from the hub's store: the shared builder in protocol does the
 * tables; the hub adds what only it knows — the GLOBAL individual id a device's local
 * individual is linked to (none for sightings marked unidentifiable) and each device's location.
 */
export async function buildCamtrapDp(sql: Queryable, opts: { locations?: Record<string, Location>; created?: Date } = {}): Promise<CamtrapExport> {
  const { rows } = await sql.query<{ body: SightingPayload; received_at: unknown; unidentifiable: boolean }>(
    'SELECT body, received_at, unidentifiable FROM sightings ORDER BY taken_at, id',
  );
  const links = await sql.query<{ device_id: string; local_id: string; individual_id: string }>(
    "SELECT l.device_id, l.local_id, l.individual_id FROM individual_links l JOIN individuals i ON i.id = l.individual_id WHERE i.status = 'active'",
  );
  const globalOf = new Map(links.rows.map((l) => [`${l.device_id}\u0000${l.local_id}`, l.individual_id]));
  return buildCamtrapPackage({
    sightings: rows.map(({ body, received_at, unidentifiable }) => ({
      sighting: body,
      classifiedAt: received_at,
      individualID: (local: string) => (unidentifiable ? null : (globalOf.get(`${body.deviceId}\u0000${local}`) ?? null)),
    })),
    ...(opts.locations ? { deployments: opts.locations } : {}),
    ...(opts.created ? { created: opts.created } : {}),
    publisher: 'Spoor hub',
  });
}
