import { DEVICE_DOWN, DEVICE_UP, deviceTopic, fleetTopic, parseTopic } from '@spoor/protocol';

export interface DeviceIdentity {
  deviceId: string;
  fleetId: string;
}

/** A device may publish only its own upstream topics: `{prefix}/d/{itsId}/(status|sighting|media|stats)`. */
export function mayPublish(who: DeviceIdentity, topic: string, prefix: string): boolean {
  const t = parseTopic(topic, prefix);
  return t !== null && t.scope === 'd' && t.deviceId === who.deviceId && (DEVICE_UP as readonly string[]).includes(t.kind);
}

/** The exact topics a device may subscribe to: its own downstream topics and its fleet's gallery. No wildcards. */
export function allowedSubscriptions(who: DeviceIdentity, prefix: string): Set<string> {
  return new Set([...DEVICE_DOWN.map((k) => deviceTopic(k, who.deviceId, prefix)), fleetTopic(who.fleetId, prefix)]);
}

export function maySubscribe(who: DeviceIdentity, topic: string, prefix: string): boolean {
  return allowedSubscriptions(who, prefix).has(topic);
}
