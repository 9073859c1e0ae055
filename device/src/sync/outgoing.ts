import type { OutboxRow } from '../store/outbox.js';
import type { Sighting } from '../store/sightings.js';
import { buildSightingPayload, type Bandwidth, type EmbeddingLookup } from './payload.js';

export type Outgoing = { ok: true; kind: 'sighting' | 'media'; bytes: Buffer } | { ok: false; reason: string };

/**
 * The wire bytes of one outbox row. A sighting row holds the stored sighting and is built
 * under the bandwidth policy now (listing its media ids once they exist); a media row holds
 * its finished payload, validated when it was made. Failures are returned so the relay can park the row.
 */
export function outgoingOf(row: OutboxRow, bandwidth: Bandwidth, embeddings: EmbeddingLookup, mediaIds: (sightingId: string) => string[]): Outgoing {
  if (row.topic === 'media') return { ok: true, kind: 'media', bytes: Buffer.from(row.payload, 'utf8') };
  let sighting: Sighting;
  try {
    sighting = JSON.parse(row.payload) as Sighting;
  } catch (err) {
    return { ok: false, reason: `stored sighting is not JSON: ${(err as Error).message}` };
  }
  const built = buildSightingPayload(sighting, bandwidth, embeddings, bandwidth === 'metadata' ? [] : mediaIds(sighting.id));
  return built.ok ? { ok: true, kind: 'sighting', bytes: built.bytes } : built;
}
