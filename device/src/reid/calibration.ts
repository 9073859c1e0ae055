import { nowIso, type Db } from '../store/db.js';
import { DEFAULT_CALIBRATION, type Calibration } from '@spoor/protocol/calibration';

// The math lives in protocol/ so the hub scores with the same calibrated P(same individual).
export { calibrate, DEFAULT_CALIBRATION, featureVector, fitLogistic, predict, type Calibration, type LocalEvidence, type Logistic } from '@spoor/protocol/calibration';

/** Each species' calibration, kept in SQLite (`reid_calibration`) with the species' config. */
export class CalibrationStore {
  private readonly cache = new Map<string, Calibration>();

  constructor(private readonly db: Db) {}

  get(species: string): Calibration {
    const hit = this.cache.get(species);
    if (hit) return hit;
    const row = this.db.prepare('SELECT body FROM reid_calibration WHERE species = ?').get(species) as { body: string } | undefined;
    const cal = row ? (JSON.parse(row.body) as Calibration) : DEFAULT_CALIBRATION;
    this.cache.set(species, cal);
    return cal;
  }

  set(species: string, cal: Calibration): void {
    this.db
      .prepare('INSERT INTO reid_calibration (species, body, fitted_at) VALUES (?, ?, ?) ON CONFLICT (species) DO UPDATE SET body = excluded.body, fitted_at = excluded.fitted_at')
      .run(species, JSON.stringify(cal), nowIso());
    this.cache.set(species, cal);
  }
}
