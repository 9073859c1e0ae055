import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codecs, isSpoorError, type GalleryDeltaPayload, type GalleryOp } from '@spoor/protocol';
import type { Store } from '../store/store.js';
import { storeFactory, type StoreFactory } from '../store/testing.js';
import { createLogger } from '../system/logger.js';
import { makeReidSighting, vectorFor } from '../testing/fixtures.js';
import { Gallery } from './gallery.js';
import { DEFAULT_MATCH_SETTINGS } from './matching.js';
import { loadIndividuals } from './state.js';

/** What a device would hold after applying deltas: the reference model of the op semantics. */
function apply(held: Map<string, GalleryOp>, delta: GalleryDeltaPayload): void {
  if (delta.snapshot) held.clear();
  for (const op of delta.ops) {
    if (op.op === 'upsert') held.set(op.individualId, op);
    else held.delete(op.individualId);
  }
}

describe.each(['pglite', 'postgres'] as const)('global gallery on %s', (kind) => {
  let factory: StoreFactory;
  let store: Store;
  let gallery: Gallery;
  const published: GalleryDeltaPayload[] = [];
  const state = async (ids: string[]) => {
    const m = await loadIndividuals(store.sql, ids);
    // Versions move forward on every write (undo included) so stale expectedVersions never match again.
    return ids.map((id) => {
      const s = m.get(id);
      return s ? { ...s, individual: { ...s.individual, version: 0 } } : null;
    });
  };

  beforeAll(async () => {
    factory = await storeFactory(kind);
    store = await factory.open();
    await store.devices.add({ deviceId: 'trap-a', fleetId: 'north' });
    await store.devices.add({ deviceId: 'trap-b', fleetId: 'north' });
    gallery = new Gallery({
      sql: store.sql,
      settings: { ...DEFAULT_MATCH_SETTINGS, keepVersions: 50 },
      prefix: 'spoor/v1',
      logger: createLogger('error'),
      publisher: {
        async publish(_topic, payload) {
          const r = codecs.gallery.decode(payload);
          if (!r.ok) throw new Error(r.reason);
          published.push(r.value);
        },
      },
    });
    await gallery.start();
  });
  afterAll(async () => {
    await factory?.dispose();
  });

  const localA = randomUUID();
  const localB = randomUUID();
  let individual = '';
  let proposal = '';
  const sA = makeReidSighting('trap-a', localA, 'new', vectorFor(1));
  const sB = makeReidSighting('trap-b', localB, 'new', vectorFor(1, 64, 0.02));
  const sB2 = makeReidSighting('trap-b', localB, 'known', vectorFor(1, 64, 0.03));

  it('a new local individual with no match becomes a global one; a near-identical one from another device becomes a proposal', async () => {
    await store.sightings.upsertMany([sA]);
    const r1 = await gallery.onCommitted([sA]);
    expect(r1.outcomes).toEqual([{ kind: 'new', individualId: expect.any(String) }]);
    individual = (r1.outcomes[0] as { individualId: string }).individualId;
    await store.sightings.upsertMany([sB, sB2]);
    const r2 = await gallery.onCommitted([sB, sB2]);
    expect(r2.outcomes[0]).toMatchObject({ kind: 'proposal', candidate: individual });
    expect((r2.outcomes[0] as { score: number }).score).toBeGreaterThan(0.95);
    expect(r2.outcomes[1]).toMatchObject({ kind: 'evidence' }); // the later `known` sighting joins the open proposal
    const open = await gallery.queries.listProposals({ status: 'open' });
    expect(open).toHaveLength(1);
    proposal = open[0]?.id as string;
    expect(open[0]).toMatchObject({ deviceId: 'trap-b', localId: localB, candidateIndividualId: individual, evidence: [sB.id, sB2.id] });
  });

  it('re-delivery changes nothing', async () => {
    const before = await gallery.queries.since('north', 0);
    const again = await gallery.onCommitted([sA, sB, sB2]);
    expect(again.deltas).toEqual([]);
    expect(await gallery.queries.since('north', 0)).toEqual(before);
    expect(await gallery.queries.listProposals({})).toHaveLength(1);
  });

  it('accepting links both devices to one global individual, audited and versioned', async () => {
    const r = await gallery.decide((d) => d.accept('tok-1', proposal, 1));
    expect(r).toMatchObject({ kind: 'confirm', fleetId: 'north', individuals: { [individual]: 2 } });
    const ind = await gallery.queries.getIndividual(individual);
    expect(ind.links.map((l) => l.deviceId).sort()).toEqual(['trap-a', 'trap-b']);
    expect(ind.refsCount).toBe(3);
    expect(ind.history).toMatchObject([{ kind: 'confirm', actor: 'tok-1' }]);
    expect((await gallery.queries.listIndividuals({ fleetId: 'north' })).map((i) => i.id)).toEqual([individual]);
    const last = published.at(-1);
    expect(last).toMatchObject({ fleetId: 'north', version: r.version, ops: [{ op: 'upsert', individualId: individual }] });
    // Accepting twice is refused, not applied twice.
    await expect(gallery.decide((d) => d.accept('tok-1', proposal))).rejects.toSatisfy((e) => isSpoorError(e, 'SPOOR_E_VERSION_CONFLICT'));
  });

  it('a stale expectedVersion is a conflict; of two concurrent decisions on one version exactly one wins', async () => {
    await expect(gallery.decide((d) => d.rename('tok-1', individual, 'Old', 1))).rejects.toSatisfy((e) => isSpoorError(e, 'SPOOR_E_VERSION_CONFLICT'));
    const results = await Promise.allSettled([gallery.decide((d) => d.rename('tok-1', individual, 'Ada', 2)), gallery.decide((d) => d.rename('tok-2', individual, 'Bea', 2))]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(isSpoorError(lost.reason, 'SPOOR_E_VERSION_CONFLICT')).toBe(true);
    const ind = await gallery.queries.getIndividual(individual);
    expect(ind.version).toBe(3);
    expect(['Ada', 'Bea']).toContain(ind.name);
  });

  it('split then undo restores the exact prior state', async () => {
    const before = await state([individual]);
    const cur = await gallery.queries.getIndividual(individual);
    const split = await gallery.decide((d) => d.split('tok-1', individual, [sB.id, sB2.id], cur.version));
    const created = split.createdId as string;
    const afterSplit = await gallery.queries.getIndividual(created);
    expect(afterSplit.links).toMatchObject([{ deviceId: 'trap-b', localId: localB }]);
    expect(afterSplit.refsCount).toBe(2);
    expect((await gallery.queries.getIndividual(individual)).refsCount).toBe(1);
    const undo = await gallery.decide((d) => d.undo('tok-2', split.decisionId));
    expect(await state([individual, created])).toEqual([...before, null]);
    expect(undo.delta.ops).toEqual(expect.arrayContaining([{ op: 'remove', individualId: created, mergedInto: null }, expect.objectContaining({ op: 'upsert', individualId: individual })]));
    await expect(gallery.decide((d) => d.undo('tok-2', split.decisionId))).rejects.toSatisfy((e) => isSpoorError(e, 'SPOOR_E_VERSION_CONFLICT'));
    const hist = (await gallery.queries.getIndividual(individual)).history.map((h) => h.kind);
    expect(hist.slice(-2)).toEqual(['split', 'undo']);
  });

  it('merge and unidentifiable are undoable too; the proposal comes back open when its accept is undone', async () => {
    const localC = randomUUID();
    const sC = makeReidSighting('trap-a', localC, 'new', vectorFor(7));
    await store.sightings.upsertMany([sC]);
    const r = await gallery.onCommitted([sC]);
    const other = (r.outcomes[0] as { individualId: string }).individualId;
    const before = await state([individual, other]);
    const v = (await gallery.queries.getIndividual(individual)).version;
    const merged = await gallery.decide((d) => d.merge('tok-1', [other], individual, { [other]: 1, [individual]: v }));
    expect(merged.delta.ops).toEqual(expect.arrayContaining([{ op: 'remove', individualId: other, mergedInto: individual }]));
    expect((await gallery.queries.getIndividual(individual)).links).toHaveLength(3);
    await gallery.decide((d) => d.undo('tok-1', merged.decisionId));
    expect(await state([individual, other])).toEqual(before);

    const un = await gallery.decide((d) => d.unidentifiable('tok-1', sA.id));
    expect((await gallery.queries.getIndividual(individual)).refsCount).toBe(2);
    await gallery.decide((d) => d.undo('tok-1', un.decisionId));
    expect(await state([individual, other])).toEqual(before);
  });

  it('a `known` sighting of a linked local individual adds a reference and publishes it', async () => {
    const known = makeReidSighting('trap-a', localA, 'known', vectorFor(1, 64, 0.05));
    await store.sightings.upsertMany([known]);
    const refs = (await gallery.queries.getIndividual(individual)).refsCount;
    const r = await gallery.onCommitted([known]);
    expect(r.outcomes).toEqual([{ kind: 'ref', individualId: individual }]);
    expect((await gallery.queries.getIndividual(individual)).refsCount).toBe(refs + 1);
    expect(published.at(-1)?.ops).toMatchObject([{ op: 'upsert', individualId: individual }]);
    expect((await gallery.onCommitted([known])).deltas).toEqual([]);
  });

  it('devices catch up with deltas or a snapshot, and applying a delta twice changes nothing', async () => {
    const all = await gallery.queries.since('north', 0);
    expect(all.snapshot).toBe(false);
    expect(all.deltas.map((d) => d.version)).toEqual(Array.from({ length: all.version }, (_, i) => i + 1));
    expect(all.deltas).toEqual(published);
    const once = new Map<string, GalleryOp>();
    const twice = new Map<string, GalleryOp>();
    for (const d of all.deltas) {
      apply(once, d);
      apply(twice, d);
      apply(twice, d);
    }
    expect(twice).toEqual(once);
    const snap = new Map<string, GalleryOp>();
    apply(snap, await gallery.queries.snapshot('north', all.version));
    expect(snap).toEqual(once);
    expect([...once.keys()].sort()).toEqual((await gallery.queries.listIndividuals({ fleetId: 'north' })).map((i) => i.id).sort());
    expect(await gallery.queries.since('north', all.version)).toEqual({ fleetId: 'north', version: all.version, snapshot: false, deltas: [] });
  });

  it('a new hub rebuilds the same index from Postgres', async () => {
    const fresh = new Gallery({ sql: store.sql, settings: DEFAULT_MATCH_SETTINGS, prefix: 'spoor/v1', logger: createLogger('error') });
    await fresh.start();
    expect(fresh.scorer.size()).toBe(gallery.scorer.size());
    expect(fresh.scorer.scoreCandidates('north', 'Vulpes vulpes', vectorFor(1))[0]).toMatchObject({ individualId: individual });
    expect(fresh.scorer.scoreCandidates('south', 'Vulpes vulpes', vectorFor(1))).toEqual([]);
  });

  it('reject with next proposes the animal against the next-best candidate; with none left it becomes new; undo walks it back', async () => {
    const unit = (v: Float32Array) => {
      const n = Math.hypot(...v);
      return v.map((x) => x / n);
    };
    const g1 = vectorFor(41);
    const g2 = unit(g1.map((x, k) => x + (vectorFor(42)[k] as number))); // cos(g1, g2) ≈ 0.7: two individuals
    const q = unit(g1.map((x, k) => x + (g2[k] as number))); // ≈ 0.92 to both
    const s1 = makeReidSighting('trap-a', randomUUID(), 'new', g1);
    const s2 = makeReidSighting('trap-a', randomUUID(), 'new', g2);
    await store.sightings.upsertMany([s1, s2]);
    const made = await gallery.onCommitted([s1, s2]);
    expect(made.outcomes.map((o) => o.kind)).toEqual(['new', 'new']);
    const [i1, i2] = made.outcomes.map((o) => (o as { individualId: string }).individualId) as [string, string];
    const localQ = randomUUID();
    const sq = makeReidSighting('trap-b', localQ, 'new', q);
    await store.sightings.upsertMany([sq]);
    const [first] = (await gallery.onCommitted([sq])).outcomes as [{ kind: string; proposalId: string; candidate: string }];
    expect(first.kind).toBe('proposal');
    expect([i1, i2]).toContain(first.candidate);
    const other = first.candidate === i1 ? i2 : i1;

    const r1 = await gallery.reject('tok', first.proposalId, true);
    expect(r1.createdId).toBeUndefined();
    const open = await gallery.queries.listProposals({ status: 'open' });
    const second = open.find((p) => p.localId === localQ);
    expect(second).toMatchObject({ id: r1.proposalId, candidateIndividualId: other, evidence: [sq.id] });
    expect((await gallery.queries.listProposals({ status: 'rejected' })).map((p) => p.id)).toContain(first.proposalId);

    const r2 = await gallery.reject('tok', r1.proposalId as string, true);
    expect(r2.proposalId).toBeUndefined();
    expect(r2.createdId).toEqual(expect.any(String));
    expect((await gallery.queries.getIndividual(r2.createdId as string)).links).toMatchObject([{ deviceId: 'trap-b', localId: localQ }]);

    await gallery.decide((d) => d.undo('tok', r2.decisionId));
    await expect(gallery.queries.getIndividual(r2.createdId as string)).rejects.toMatchObject({ code: 'SPOOR_E_NOT_FOUND' });
    await gallery.decide((d) => d.undo('tok', r1.decisionId));
    const back = (await gallery.queries.listProposals({ status: 'open' })).filter((p) => p.localId === localQ);
    expect(back.map((p) => p.id)).toEqual([first.proposalId]);
    // Without `next` a reject is "a new individual" at once, even with another candidate left.
    const r3 = await gallery.reject('tok', first.proposalId, false);
    expect(r3.createdId).toEqual(expect.any(String));
    expect((await gallery.queries.listProposals({ status: 'open' })).filter((p) => p.localId === localQ)).toEqual([]);
  });

  it('lists two individuals that became one animal as possible duplicates; a merge clears it, and a split is a judgement that keeps them apart', async () => {
    const unit = (v: Float32Array) => {
      const n = Math.hypot(...v);
      return v.map((x) => x / n);
    };
    const v1 = vectorFor(51);
    const poorView = unit(v1.map((x, k) => x + (vectorFor(52)[k] as number))); // ≈ 0.7 to v1: below the propose threshold
    const localB = randomUUID();
    const s1 = makeReidSighting('trap-a', randomUUID(), 'new', v1);
    const s2 = makeReidSighting('trap-b', localB, 'new', poorView);
    await store.sightings.upsertMany([s1, s2]);
    const made = await gallery.onCommitted([s1, s2]);
    expect(made.outcomes.map((o) => o.kind)).toEqual(['new', 'new']);
    const [g1, g2] = made.outcomes.map((o) => (o as { individualId: string }).individualId) as [string, string];
    expect((await gallery.duplicates({ individualId: g2 })).items).toEqual([]);

    // trap-b sees its animal again, from a good side: now it is close to g1.
    const s3 = makeReidSighting('trap-b', localB, 'known', vectorFor(51, 64, 0.02));
    await store.sightings.upsertMany([s3]);
    expect((await gallery.onCommitted([s3])).outcomes).toEqual([{ kind: 'ref', individualId: g2 }]);
    const [pair] = (await gallery.duplicates({ individualId: g2 })).items;
    expect(pair).toMatchObject({ a: [g1, g2].sort()[0], b: [g1, g2].sort()[1], fleetId: 'north', species: s1.individuals[0]?.species });
    expect(pair?.score).toBeGreaterThanOrEqual(0.75);
    const listing = await gallery.duplicates({ fleetId: 'north' });
    expect(listing.items.map((p) => `${p.a} ${p.b}`)).toContain(`${pair?.a} ${pair?.b}`);
    expect(listing.scanned).toBeGreaterThanOrEqual(2);

    const v = (id: string) => gallery.queries.getIndividual(id).then((i) => i.version);
    await gallery.decide(async (d) => d.merge('tok', [g2], g1, { [g1]: await v(g1), [g2]: await v(g2) }));
    expect((await gallery.duplicates({ individualId: g1 })).items).toEqual([]);
    const split = await gallery.decide(async (d) => d.split('tok', g1, [s3.id], await v(g1)));
    // Both still score high against that view; only the reviewer's split keeps them apart.
    const hits = gallery.scorer.scoreCandidates('north', s1.individuals[0]?.species as string, vectorFor(51, 64, 0.02)).filter((c) => c.score >= 0.75);
    expect(hits.map((c) => c.individualId)).toEqual(expect.arrayContaining([g1, split.createdId]));
    expect((await gallery.duplicates({ individualId: split.createdId })).items).toEqual([]);
  });

  it('a proposal whose animal cannot be identified closes as unidentifiable with its evidence; undo reopens it', async () => {
    const s1 = makeReidSighting('trap-a', randomUUID(), 'new', vectorFor(71));
    const s2 = makeReidSighting('trap-b', randomUUID(), 'new', vectorFor(71, 64, 0.02));
    await store.sightings.upsertMany([s1]);
    await gallery.onCommitted([s1]);
    await store.sightings.upsertMany([s2]);
    const [p] = (await gallery.onCommitted([s2])).outcomes as [{ kind: string; proposalId: string }];
    expect(p.kind).toBe('proposal');
    const flag = async () => (await store.sql.query<{ unidentifiable: boolean }>('SELECT unidentifiable FROM sightings WHERE id = $1', [s2.id])).rows[0]?.unidentifiable;

    const r = await gallery.decide((d) => d.unidentifiableProposal('tok', p.proposalId));
    expect(r.kind).toBe('unidentifiable');
    expect(await flag()).toBe(true);
    expect((await gallery.queries.listProposals({ status: 'open' })).map((x) => x.id)).not.toContain(p.proposalId);
    expect((await gallery.queries.listProposals({ status: 'unidentifiable' })).map((x) => x.id)).toContain(p.proposalId);
    await expect(gallery.decide((d) => d.unidentifiableProposal('tok', p.proposalId))).rejects.toMatchObject({ code: 'SPOOR_E_VERSION_CONFLICT' });

    await gallery.decide((d) => d.undo('tok', r.decisionId));
    expect(await flag()).toBe(false);
    expect((await gallery.queries.listProposals({ status: 'open' })).map((x) => x.id)).toContain(p.proposalId);
  });
});

/** A fresh PGlite hub store with trap-a and trap-b in fleet north, and its started gallery. */
async function withGallery(settings: Partial<typeof DEFAULT_MATCH_SETTINGS>, fn: (store: Store, gallery: Gallery) => Promise<void>): Promise<void> {
  const factory = await storeFactory('pglite');
  try {
    const store = await factory.open();
    await store.devices.add({ deviceId: 'trap-a', fleetId: 'north' });
    await store.devices.add({ deviceId: 'trap-b', fleetId: 'north' });
    const gallery = new Gallery({ sql: store.sql, settings: { ...DEFAULT_MATCH_SETTINGS, ...settings }, prefix: 'spoor/v1', logger: createLogger('error') });
    await gallery.start();
    await fn(store, gallery);
  } finally {
    await factory.dispose();
  }
}

describe('hub links without a reviewer (PGlite)', () => {
  it('is off by default; when on, a match above autoMergeThreshold links at once, audited and undoable', async () => {
    await withGallery({ autoMerge: true, autoMergeThreshold: 0.9 }, async (store, gallery) => {
      const a = makeReidSighting('trap-a', randomUUID(), 'new', vectorFor(11));
      const far = makeReidSighting('trap-b', randomUUID(), 'new', vectorFor(12));
      const near = makeReidSighting('trap-b', randomUUID(), 'new', vectorFor(11, 64, 0.02));
      await store.sightings.upsertMany([a, far, near]);
      const r = await gallery.onCommitted([a, far, near]);
      expect(r.outcomes.map((o) => o.kind)).toEqual(['new', 'new', 'auto-merge']);
      const id = (r.outcomes[0] as { individualId: string }).individualId;
      const ind = await gallery.queries.getIndividual(id);
      expect(ind.links).toHaveLength(2);
      expect(ind.history).toMatchObject([{ kind: 'confirm', actor: 'hub:auto-merge' }]);
      await gallery.decide((d) => d.undo('tok', ind.history[0]?.id as string));
      expect((await gallery.queries.getIndividual(id)).links).toHaveLength(1);
    });
  });

  it('a device that recognises a global individual (a known sighting with its globalId) is linked to it, audited as hub:claim and undoable; another species is not', async () => {
    await withGallery({}, async (store, gallery) => {
      const a = makeReidSighting('trap-a', randomUUID(), 'new', vectorFor(21));
      await store.sightings.upsertMany([a]);
      const first = await gallery.onCommitted([a]);
      const gid = (first.outcomes[0] as { individualId: string }).individualId;
      const seen = (species?: string) => {
        const s = makeReidSighting('trap-b', randomUUID(), 'known', vectorFor(21, 64, 0.02), species ? { species } : {});
        const ind = s.individuals[0] as { globalId?: string };
        ind.globalId = gid;
        return s;
      };
      const other = seen('Lynx lynx');
      const b = seen();
      await store.sightings.upsertMany([other, b]);
      const r = await gallery.onCommitted([other, b]);
      expect(r.outcomes).toEqual([{ kind: 'skip' }, { kind: 'claimed', individualId: gid, decisionId: expect.any(String) }]);
      const ind = await gallery.queries.getIndividual(gid);
      expect(ind.links.map((l) => l.deviceId).sort()).toEqual(['trap-a', 'trap-b']);
      expect(ind.history).toMatchObject([{ kind: 'confirm', actor: 'hub:claim', id: (r.outcomes[1] as { decisionId: string }).decisionId }]);
      await gallery.decide((d) => d.undo('tok', ind.history[0]?.id as string));
      expect((await gallery.queries.getIndividual(gid)).links.map((l) => l.deviceId)).toEqual(['trap-a']);
    });
  });
});
