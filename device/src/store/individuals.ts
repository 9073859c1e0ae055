import { uuidv7 } from '@spoor/protocol';
import { DeviceErrors } from '../errors.js';
import { nowIso, type Db } from './db.js';

export interface Individual {
  id: string;
  species: string;
  name: string;
  origin: 'enrolled' | 'sighted';
  globalId: string | null;
  createdAt: string;
  updatedAt: string;
  references: number;
}

const COLUMNS = `i.id, i.species, i.name, i.origin, i.global_id AS globalId, i.created_at AS createdAt, i.updated_at AS updatedAt,
  (SELECT count(*) FROM gallery_vectors v WHERE v.individual_id = i.id) AS "references"`;

/** The on-device gallery's individuals (their vectors live in gallery_vectors, owned by Gallery). */
export class IndividualStore {
  constructor(private readonly db: Db) {}

  create(species: string, name: string, origin: Individual['origin']): Individual {
    const id = uuidv7();
    const now = nowIso();
    this.db
      .prepare('INSERT INTO individuals (id, species, name, origin, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(id, species, name, origin, now, now);
    return this.require(id);
  }

  get(id: string): Individual | undefined {
    return this.db.prepare(`SELECT ${COLUMNS} FROM individuals i WHERE i.id = ?`).get(id) as Individual | undefined;
  }

  require(id: string): Individual {
    const found = this.get(id);
    if (!found) throw DeviceErrors.SPOOR_E_NOT_FOUND(`individual ${id}`, { hint: 'List them with `spoor-device individuals list`.' });
    return found;
  }

  list(filter: { species?: string } = {}): Individual[] {
    return filter.species === undefined
      ? (this.db.prepare(`SELECT ${COLUMNS} FROM individuals i ORDER BY i.species, i.name`).all() as Individual[])
      : (this.db.prepare(`SELECT ${COLUMNS} FROM individuals i WHERE i.species = ? ORDER BY i.name`).all(filter.species) as Individual[]);
  }

  rename(id: string, name: string): Individual {
    const res = this.db.prepare('UPDATE individuals SET name = ?, updated_at = ? WHERE id = ?').run(name, nowIso(), id);
    if (res.changes === 0) this.require(id);
    return this.require(id);
  }

  /** Count of individuals of a species, for naming new ones ("Panthera pardus #4"). */
  countSpecies(species: string): number {
    return (this.db.prepare('SELECT count(*) AS n FROM individuals WHERE species = ?').get(species) as { n: number }).n;
  }
}
