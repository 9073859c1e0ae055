/** The few hub API calls provisioning needs, with an admin bearer token. */
import { ProvisionErrors } from './errors.js';

export interface DeviceCredentials {
  deviceId: string;
  username: string;
  password: string;
  fleetId: string;
}

export interface HubTarget {
  /** The hub's HTTP base URL, e.g. https://hub.example.org */
  url: string;
  token: string;
}

async function call<T>(hub: HubTarget, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  let res: Response;
  const url = `${hub.url.replace(/\/+$/, '')}${path}`;
  try {
    res = await fetch(url, {
      method,
      headers: { authorization: `Bearer ${hub.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(15_000),
    });
  } catch (err) {
    throw ProvisionErrors.SPOOR_E_HUB_UNREACHABLE(`${url}: ${(err as Error).message}`, { cause: err });
  }
  const json = (await res.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
  if (!res.ok) throw ProvisionErrors.SPOOR_E_HUB_REFUSED(`${method} ${path}: HTTP ${res.status} ${json.error?.code ?? ''} ${json.error?.message ?? ''}`.trim());
  return json as T;
}

export const hubApi = {
  createDevice: (hub: HubTarget, body: { deviceId: string; fleetId: string; name?: string }) => call<DeviceCredentials>(hub, 'POST', '/api/devices', body),
  rotateDevice: (hub: HubTarget, id: string) => call<DeviceCredentials>(hub, 'POST', `/api/devices/${encodeURIComponent(id)}/rotate`),
  revokeDevice: (hub: HubTarget, id: string) => call<{ deviceId: string; revokedAt: string | null }>(hub, 'POST', `/api/devices/${encodeURIComponent(id)}/revoke`),
};
