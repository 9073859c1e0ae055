/** Data access for the panel: every call goes to the daemon's /api with the session cookie and CSRF token. */

export interface LatencyPoint {
  t: string;
  p50: number;
  p95: number;
  n: number;
}

export interface Status {
  deviceId: string;
  name: string;
  uptimeSec: number;
  models: { id: string; provider: string }[];
  queue: { pending: number; done: number; quarantined: number };
  sightings: number;
  lastTrigger: string | null;
  lastTriggerSource?: 'gpio' | 'watch' | 'api' | null;
  disk: { freeBytes: number; totalBytes: number } | null;
  sync: { connection: string; broker?: string; outbox?: { depth: number; bytes: number; oldestAt: string | null }; lastSyncAt?: string | null; lastError?: string | null; nextRetryAt?: string | null };
  inferenceMs?: { p50: number; p95: number; series: LatencyPoint[] };
  cpuTempC?: number;
  batteryV?: number;
}

export interface Detection {
  captureId: string;
  category: string;
  label: string;
  bbox: [number, number, number, number];
  confidence: number;
  taxon: { label: string; p: number } | null;
  individual?: { id: string | null; name: string | null; decision: string; score: number };
}

export interface Sighting {
  id: string;
  takenAt: string;
  frames: { captureId: string; width: number; height: number; originalName: string }[];
  detections: Detection[];
  individuals: { species: string; id: string | null; name: string | null; decision: string }[];
}

export interface Field {
  path: string;
  kind: 'string' | 'number' | 'integer' | 'boolean' | 'enum' | 'string[]';
  nullable: boolean;
  options?: string[];
  minimum?: number;
  maximum?: number;
  description?: string;
  restart: boolean;
  secret: boolean;
}

export interface SettingsView {
  fields: Field[];
  values: Record<string, unknown>;
  pendingRestart: string[];
}

/** The session is gone (or was never there); `setupRequired` says which screen to show. */
export class AuthError extends Error {
  constructor(readonly setupRequired: boolean) {
    super('not logged in');
  }
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly fields: Record<string, string> = {},
  ) {
    super(message);
  }
}

const csrf = (): string => decodeURIComponent(/(?:^|;\s*)spoor_csrf=([^;]*)/.exec(document.cookie)?.[1] ?? '');

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { 'x-csrf-token': csrf() };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, credentials: 'same-origin', ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const data = (await res.json().catch(() => ({}))) as { error?: { message?: string }; setupRequired?: boolean; fields?: Record<string, string> };
  if (res.status === 401 && !path.startsWith('/api/auth/')) throw new AuthError(data.setupRequired === true);
  if (!res.ok) throw new ApiError(res.status, data.error?.message ?? `HTTP ${res.status}`, data.fields ?? {});
  return data as T;
}

/** 401 from the session check tells whether a password exists yet. */
export async function session(): Promise<'in' | 'login' | 'setup'> {
  const res = await fetch('/api/auth/session', { credentials: 'same-origin' });
  if (res.ok) return 'in';
  const data = (await res.json().catch(() => ({}))) as { setupRequired?: boolean };
  return data.setupRequired ? 'setup' : 'login';
}

export const login = (password: string) => call<{ ok: true }>('POST', '/api/auth/login', { password });
export const setup = (password: string) => call<{ ok: true }>('POST', '/api/auth/setup', { password });
export const logout = () => call<{ ok: true }>('POST', '/api/auth/logout');
export const status = () => call<Status>('GET', '/api/status');
export const sightings = (species?: string) =>
  call<{ items: Sighting[]; total: number }>('GET', `/api/sightings?limit=50${species ? `&species=${encodeURIComponent(species)}` : ''}`);
export const settings = () => call<SettingsView>('GET', '/api/settings');
export const saveSettings = (change: Record<string, unknown>) => call<SettingsView & { changed: string[] }>('PUT', '/api/settings', change);
export const sighting = (id: string) => call<Sighting>('GET', `/api/sightings/${encodeURIComponent(id)}`);
export const imageUrl = (captureId: string, width: number) => `/api/captures/${encodeURIComponent(captureId)}/image?w=${width}`;

export interface Individual {
  id: string;
  species: string;
  name: string;
  origin: 'enrolled' | 'sighted';
  references: number;
}

export const individuals = () => call<{ items: Individual[] }>('GET', '/api/individuals');
export const renameIndividual = (id: string, name: string) => call<Individual>('PATCH', `/api/individuals/${encodeURIComponent(id)}`, { name });
export const deleteIndividual = (id: string) => call<{ deleted: string }>('DELETE', `/api/individuals/${encodeURIComponent(id)}`);

/** Enroll from reference photos: multipart with `species`, `name` and the files. */
export async function enroll(form: FormData): Promise<Individual & { used: unknown[]; rejected: { file: string; reason: string }[] }> {
  const res = await fetch('/api/individuals', { method: 'POST', body: form, headers: { 'x-csrf-token': csrf() }, credentials: 'same-origin' });
  const data = (await res.json().catch(() => ({}))) as { error?: { message?: string }; setupRequired?: boolean };
  if (res.status === 401) throw new AuthError(data.setupRequired === true);
  if (!res.ok) throw new ApiError(res.status, data.error?.message ?? `HTTP ${res.status}`);
  return data as Individual & { used: unknown[]; rejected: { file: string; reason: string }[] };
}

export interface UplinkResult {
  outcome: 'ok' | 'not_configured' | 'dns' | 'refused' | 'unreachable' | 'timeout' | 'tls' | 'auth' | 'error';
  broker: string;
  rttMs: number | null;
  message: string;
  hint?: string;
}

export type TestShot = { ok: true; source: 'camera' | 'sample'; file: string; at: string } | { ok: false; source: 'camera' | 'sample'; message: string; hint: string };

export interface TestShotState {
  file: string;
  state: 'waiting' | 'pending' | 'done' | 'quarantined';
  captureId: string | null;
  detections: { label: string; category: string; confidence: number; taxon: string | null }[];
  sightingId: string | null;
  reason: string | null;
}

export const testUplink = () => call<UplinkResult>('POST', '/api/tools/uplink-test');
export const takeTestShot = () => call<TestShot>('POST', '/api/tools/test-shot');
export const testShotState = (file: string) => call<TestShotState>('GET', `/api/tools/test-shot/${encodeURIComponent(file)}`);
export const restart = () => call<{ restarting: true }>('POST', '/api/system/restart');
/** Downloads are plain links: the session cookie goes with them. */
export const DOWNLOADS = { logs: '/api/tools/logs', backup: '/api/tools/backup', camtrapDp: '/api/tools/camtrap-dp' } as const;

/** After a restart: resolves once the daemon answers /ready again (or gives up after `timeoutMs`). */
export async function waitForRestart(timeoutMs = 90_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  await new Promise((r) => setTimeout(r, 1000));
  while (Date.now() < deadline) {
    const ok = await fetch('/ready', { cache: 'no-store' }).then((r) => r.ok, () => false);
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 1000));
  }
  return false;
}
