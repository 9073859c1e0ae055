/**
 * Data access for the review console: every call goes to the hub's /api with the session
 * cookie, and state changes carry the session's CSRF token. Components never call fetch.
 */

export type Role = 'admin' | 'reviewer' | 'viewer';
export interface User {
  id: string;
  email: string;
  name: string;
  role: Role;
}
export type BBox = [number, number, number, number];

export interface Taxon {
  label: string;
  rank?: string;
  p?: number;
}
export interface Detection {
  idx: number;
  captureId: string;
  category: string;
  label: string;
  bbox: BBox;
  confidence: number;
  taxon: Taxon | null;
  top?: { label: string; p: number }[];
  individual?: { id: string | null; name: string | null; decision: string; score: number };
  /** What the device said, when a reviewer changed it. */
  deviceTaxon?: Taxon | null;
  reviewed?: boolean;
  /** The global individual the device's local one is linked to, if any. */
  globalIndividualId?: string | null;
}
export interface Frame {
  captureId: string;
  takenAt: string;
  originalName: string | null;
  width: number | null;
  height: number | null;
  mark?: 'blank' | 'human' | null;
}
export interface Sighting {
  id: string;
  deviceId: string;
  cameraId: string;
  takenAt: string;
  endAt: string;
  frames: Frame[];
  detections: Detection[];
  individuals?: { species: string; id: string | null; name: string | null; decision: string; score: number }[];
  review?: { state: 'pending' | 'reviewed'; by: string | null; at: string | null } | null;
  version?: number;
}
export interface SightingFilter {
  deviceId?: string;
  cameraId?: string;
  species?: string;
  minConfidence?: number;
  maxConfidence?: number;
  decision?: 'known' | 'new' | 'uncertain';
  reviewed?: boolean;
  from?: string;
  to?: string;
  limit?: number;
  offset?: number;
}
export interface Media {
  id: string;
  captureId: string;
  kind: 'crop' | 'frame';
  detectionIdx: number | null;
  width: number;
  height: number;
  contentType: string;
  bytes: number;
}
export interface Review {
  expectedVersion: number;
  detections: { idx: number; taxon?: { label: string; rank: string }; category?: 'animal' | 'person' | 'vehicle' | 'blank' }[];
  frames?: { captureId: string; mark: 'blank' | 'human' }[];
}
export interface Proposal {
  id: string;
  fleetId: string;
  deviceId: string;
  localId: string;
  species: string;
  candidateIndividualId: string;
  score: number;
  status: string;
  evidence: string[];
  createdAt: string;
  version?: number;
}
/** One sighting as the identity review shows it: where, when, which file, which box. */
export interface SightingRef {
  id: string;
  takenAt: string;
  deviceId: string;
  cameraId: string;
  originalName: string;
  bbox: BBox | null;
  mediaIds: string[];
  width: number;
  height: number;
  /** The crop of this sighting's animal, with the ORB keypoints that came with it (null: none). */
  crop: CropRef | null;
}
export interface CropRef {
  id: string;
  width: number;
  height: number;
  keypoints: number | null;
}
/** `GET /api/media/:a/matches/:b`: matching keypoints of two crops, relative 0..1 of each image. */
export interface KeypointMatches {
  a: { id: string; keypoints: number | null };
  b: { id: string; keypoints: number | null };
  tentative: number;
  inliers: { a: [number, number]; b: [number, number]; distance: number }[];
}
export interface ProposalDetail {
  proposal: Proposal;
  query: SightingRef[];
  candidate: { id: string; name: string | null; species: string; version: number; sightings: SightingRef[] };
}
export interface Individual {
  id: string;
  fleetId: string;
  species: string;
  name: string | null;
  status: string;
  version: number;
  createdAt?: string;
  links: { deviceId: string; localId: string; createdAt: string }[];
  refsCount: number;
}
export interface DecisionRecord {
  id: string;
  actor: string;
  at: string;
  kind: string;
  targetIds: string[];
  undoneBy: string | null;
}
export interface DecisionReply {
  decisionId: string;
  kind: string;
  version: number;
  individuals: Record<string, number | null>;
  createdId?: string;
  /** A reject with `next`: the proposal opened against the next candidate. */
  proposalId?: string;
}
export interface Device {
  deviceId: string;
  fleetId: string;
  name: string | null;
  revokedAt: string | null;
  lastSeenAt: string | null;
  online?: boolean;
  outbox?: { depth: number; bytes: number; oldestAt: string | null } | null;
  models?: unknown;
  config?: { version: number | null; state: string | null; reason: string | null; desiredVersion?: number | null } | null;
  location?: { lat: number; lon: number } | null;
}
export interface Credentials {
  deviceId: string;
  username: string;
  password: string;
  fleetId: string;
}
export interface ExportJob {
  id: string;
  state: 'running' | 'done' | 'failed';
  done: number;
  total: number;
  error?: string;
}

/** The session is gone (or was never there): show the login page. */
export class AuthError extends Error {
  constructor() {
    super('not logged in');
  }
}
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

let csrf = '';

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (method !== 'GET') headers['x-csrf-token'] = csrf;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, credentials: 'same-origin', ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  if (res.status === 204) return undefined as T;
  const data = (await res.json().catch(() => ({}))) as { error?: { code?: string; message?: string; hint?: string } };
  if (res.status === 401 && !path.startsWith('/api/auth/') && !path.startsWith('/api/invitations/')) throw new AuthError();
  if (!res.ok) {
    const e = data.error ?? {};
    const msg = res.status === 404 && !e.code ? `${path} is not available on this hub (404)` : `${e.message ?? `HTTP ${res.status}`}${e.hint ? ` — ${e.hint}` : ''}`;
    throw new ApiError(res.status, e.code ?? `HTTP_${res.status}`, msg);
  }
  return data as T;
}

const qs = (q: Record<string, string | number | boolean | undefined>) => {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
};
const enc = encodeURIComponent;

// Auth, users, invitations
type Session = { user: User; csrf: string };
const keep = (s: Session) => {
  csrf = s.csrf;
  return s.user;
};
export const me = async () => keep(await call<Session>('GET', '/api/auth/me'));
export const login = async (email: string, password: string) => keep(await call<Session>('POST', '/api/auth/login', { email, password }));
export const logout = () => call<void>('POST', '/api/auth/logout');
export const invitation = (token: string) => call<{ email: string; role: Role }>('GET', `/api/invitations/${enc(token)}`);
export const acceptInvitation = async (token: string, name: string, password: string) =>
  keep(await call<Session>('POST', `/api/invitations/${enc(token)}/accept`, { name, password }));
export const invite = (email: string, role: Role) => call<{ token: string; url: string; expiresAt: string }>('POST', '/api/invitations', { email, role });
export const users = () => call<{ items: (User & { disabled: boolean; createdAt: string })[] }>('GET', '/api/users');
export const updateUser = (id: string, change: { role?: Role; disabled?: boolean }) => call<unknown>('PATCH', `/api/users/${enc(id)}`, change);

// Sighting queue and species review
export const sightings = (f: SightingFilter) => call<{ items: Sighting[]; total: number }>('GET', `/api/sightings${qs({ limit: 50, ...f })}`);
export const sighting = (id: string) => call<Sighting>('GET', `/api/sightings/${enc(id)}`);
export const media = (sightingId: string) => call<{ items: Media[] }>('GET', `/api/sightings/${enc(sightingId)}/media`);
export const mediaUrl = (id: string) => `/api/media/${enc(id)}`;
export const review = (sightingId: string, body: Review) => call<{ version: number; decisionId?: string }>('POST', `/api/sightings/${enc(sightingId)}/review`, body);
export const taxa = (q: string) => call<{ items: { label: string; rank: string; count: number }[] }>('GET', `/api/taxa${qs({ q, limit: 20 })}`);

// Identity review and individuals
export const proposals = () => call<{ items: Proposal[] }>('GET', '/api/proposals?status=open');
export const proposal = async (id: string) => normalizeProposal(await call<Record<string, unknown>>('GET', `/api/proposals/${enc(id)}`));
export const accept = (id: string, expectedVersion?: number) => call<DecisionReply>('POST', `/api/proposals/${enc(id)}/accept`, expectedVersion ? { expectedVersion } : {});
/** `next`: propose the animal against the next-best candidate when there is one (else it becomes new). */
export const reject = (id: string, next: boolean) => call<DecisionReply>('POST', `/api/proposals/${enc(id)}/reject`, { next });
/** The proposal's animal cannot be identified: its evidence is marked and the proposal closes. */
export const unidentifiableProposal = (proposalId: string) => call<DecisionReply>('POST', `/api/proposals/${enc(proposalId)}/unidentifiable`, {});
export const keypointMatches = (a: string, b: string) => call<KeypointMatches>('GET', `/api/media/${enc(a)}/matches/${enc(b)}`);
export const undo = (decisionId: string) => call<DecisionReply>('POST', `/api/decisions/${enc(decisionId)}/undo`, {});
export const individuals = (species?: string) => call<{ items: Individual[] }>('GET', `/api/individuals${qs({ species })}`);
/** Two active individuals that may be one animal (`GET /api/individuals/duplicates`). */
export interface DuplicatePair {
  a: string;
  b: string;
  fleetId: string;
  species: string;
  score: number;
}
export const duplicates = (species?: string) => call<{ items: DuplicatePair[]; scanned: number }>('GET', `/api/individuals/duplicates${qs({ species })}`);
export const individualDuplicates = (id: string) => call<{ items: DuplicatePair[] }>('GET', `/api/individuals/${enc(id)}/duplicates`);
export const individual = (id: string) => call<Individual & { history?: DecisionRecord[] }>('GET', `/api/individuals/${enc(id)}`);
export const individualSightings = async (id: string) => (await call<{ items: Record<string, unknown>[] }>('GET', `/api/individuals/${enc(id)}/sightings`)).items.map(toRef);
export const decisions = (individualId: string) => call<{ items: DecisionRecord[] }>('GET', `/api/decisions${qs({ individualId, limit: 100 })}`);
export const merge = (ids: string[], into: string, expectedVersions: Record<string, number>) =>
  call<DecisionReply>('POST', '/api/individuals/merge', { ids, into, expectedVersions });
export const split = (id: string, sightingIds: string[], expectedVersion: number) => call<DecisionReply>('POST', `/api/individuals/${enc(id)}/split`, { sightingIds, expectedVersion });
export const rename = (id: string, name: string | null, expectedVersion: number) => call<DecisionReply>('POST', `/api/individuals/${enc(id)}/rename`, { name, expectedVersion });

// Fleet
export const devices = () => call<{ items: Device[] }>('GET', '/api/devices');
export const provision = (deviceId: string, fleetId?: string, name?: string) =>
  call<Credentials>('POST', '/api/devices', { deviceId, ...(fleetId ? { fleetId } : {}), ...(name ? { name } : {}) });
export const rotate = (id: string) => call<Credentials>('POST', `/api/devices/${enc(id)}/rotate`);
export const revoke = (id: string) => call<Device>('POST', `/api/devices/${enc(id)}/revoke`);
export const desiredConfig = (id: string) => call<{ version: number | null; config: Record<string, unknown> | null }>('GET', `/api/devices/${enc(id)}/config`);
export const pushConfig = (id: string, config: unknown) => call<{ version: number }>('POST', `/api/devices/${enc(id)}/config`, { config });

// Plots
export const overTime = (bucket: 'day' | 'week') => call<{ items: { t: string; species: string; count: number }[] }>('GET', `/api/stats/sightings-over-time${qs({ bucket })}`);
export const diel = (species: string, utcOffsetMinutes = 0) => call<{ species: string; hours: number[] }>('GET', `/api/stats/diel${qs({ species, utcOffsetMinutes })}`);
export const perDevice = () => call<{ items: { deviceId: string; detections: number; sightings: number }[] }>('GET', '/api/stats/detections-per-device');

// Export
export const startExport = (from?: string, to?: string) => call<{ id: string }>('POST', '/api/exports', { format: 'camtrap-dp', ...(from ? { from } : {}), ...(to ? { to } : {}) });
export const exportJob = (id: string) => call<ExportJob>('GET', `/api/exports/${enc(id)}`);
export const downloadUrl = (id: string) => `/api/exports/${enc(id)}/download`;

/** A sighting summary from any of the hub's shapes (`id` or `sightingId`, media as ids or objects). */
function toRef(r: Record<string, unknown>): SightingRef {
  const str = (k: string) => (typeof r[k] === 'string' ? (r[k] as string) : '');
  // Crops first: they are what a reviewer compares.
  const media = (Array.isArray(r.mediaIds) ? r.mediaIds : Array.isArray(r.media) ? r.media : []).slice().sort((a, b) => Number((b as { kind?: string }).kind === 'crop') - Number((a as { kind?: string }).kind === 'crop'));
  const bbox = Array.isArray(r.bbox) && r.bbox.length === 4 ? (r.bbox as BBox) : null;
  const c = r.crop as Partial<CropRef> | null | undefined;
  const crop = c && typeof c.id === 'string' ? { id: c.id, width: Number(c.width ?? 1), height: Number(c.height ?? 1), keypoints: typeof c.keypoints === 'number' ? c.keypoints : null } : null;
  // The animal's own crop first: it is what the tile shows.
  if (crop) media.sort((x, y) => Number((y as { id?: string }).id === crop.id) - Number((x as { id?: string }).id === crop.id));
  return {
    id: str('sightingId') || str('id'),
    takenAt: str('takenAt'),
    deviceId: str('deviceId'),
    cameraId: str('cameraId'),
    originalName: str('originalName'),
    bbox,
    mediaIds: media.map((m) => (typeof m === 'string' ? m : String((m as { id?: unknown }).id ?? ''))).filter(Boolean),
    width: typeof r.width === 'number' ? r.width : 1920,
    height: typeof r.height === 'number' ? r.height : 1080,
    crop,
  };
}

function normalizeProposal(r: Record<string, unknown>): ProposalDetail {
  const p = (r.proposal ?? r) as Proposal;
  const q = (r.query ?? r.querySightings ?? r.sightings ?? []) as Record<string, unknown>[] | Record<string, unknown>;
  const c = (r.candidate ?? {}) as Record<string, unknown>;
  const ind = (c.individual ?? c) as Record<string, unknown>;
  const cs = (c.sightings ?? c.best ?? r.candidateSightings ?? []) as Record<string, unknown>[];
  return {
    proposal: p,
    query: (Array.isArray(q) ? q : [q]).map(toRef),
    candidate: {
      id: String(ind.id ?? p.candidateIndividualId),
      name: typeof ind.name === 'string' ? ind.name : null,
      species: String(ind.species ?? p.species),
      version: Number(ind.version ?? 1),
      sightings: cs.map(toRef),
    },
  };
}
