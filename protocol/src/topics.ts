/**
 * MQTT topics of the device ↔ hub contract (see DESIGN.md, "Sync"). `prefix` is
 * configurable; the default is `spoor/v1`. Device ids and fleet ids may not contain MQTT
 * wildcards or separators.
 */
export const DEFAULT_PREFIX = 'spoor/v1';

export const DEVICE_UP = ['status', 'sighting', 'media', 'stats'] as const;
export const DEVICE_DOWN = ['receipt', 'config', 'cmd'] as const;
export type DeviceUpKind = (typeof DEVICE_UP)[number];
export type DeviceDownKind = (typeof DEVICE_DOWN)[number];
export type DeviceKind = DeviceUpKind | DeviceDownKind;

/** Per-topic delivery settings from the contract table. */
export const TOPIC_QOS: Record<DeviceKind | 'gallery', { qos: 0 | 1; retain: boolean }> = {
  status: { qos: 1, retain: true },
  sighting: { qos: 1, retain: false },
  media: { qos: 1, retain: false },
  stats: { qos: 0, retain: false },
  receipt: { qos: 1, retain: false },
  config: { qos: 1, retain: true },
  cmd: { qos: 1, retain: false },
  gallery: { qos: 1, retain: false },
};

export const ID_RE = /^[A-Za-z0-9_.-]{1,64}$/;

export function isValidId(id: string): boolean {
  return ID_RE.test(id);
}

export function deviceTopic(kind: DeviceKind, deviceId: string, prefix = DEFAULT_PREFIX): string {
  return `${prefix}/d/${deviceId}/${kind}`;
}

export function fleetTopic(fleetId: string, prefix = DEFAULT_PREFIX): string {
  return `${prefix}/f/${fleetId}/gallery`;
}

/** `spoor/v1/d/+/sighting`: what the hub subscribes to for one kind of upstream message. */
export function allDevicesTopic(kind: DeviceUpKind, prefix = DEFAULT_PREFIX): string {
  return `${prefix}/d/+/${kind}`;
}

export type ParsedTopic = { scope: 'd'; deviceId: string; kind: DeviceKind } | { scope: 'f'; fleetId: string; kind: 'gallery' };

/** Parse a concrete topic; null when it is not part of the contract. */
export function parseTopic(topic: string, prefix = DEFAULT_PREFIX): ParsedTopic | null {
  if (!topic.startsWith(`${prefix}/`)) return null;
  const parts = topic.slice(prefix.length + 1).split('/');
  if (parts.length !== 3) return null;
  const [scope, id, kind] = parts as [string, string, string];
  if (!isValidId(id)) return null;
  if (scope === 'd' && ([...DEVICE_UP, ...DEVICE_DOWN] as readonly string[]).includes(kind)) return { scope: 'd', deviceId: id, kind: kind as DeviceKind };
  if (scope === 'f' && kind === 'gallery') return { scope: 'f', fleetId: id, kind: 'gallery' };
  return null;
}
