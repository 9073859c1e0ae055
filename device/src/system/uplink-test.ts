import { readFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { connect as mqttConnect, type IClientOptions, type MqttClient } from 'mqtt';
import type { DeviceConfig } from '../config/schema.js';

export const UPLINK_OUTCOMES = ['ok', 'not_configured', 'dns', 'refused', 'unreachable', 'timeout', 'tls', 'auth', 'error'] as const;
export type UplinkOutcome = (typeof UPLINK_OUTCOMES)[number];

export interface UplinkResult {
  outcome: UplinkOutcome;
  /** The broker tested, without credentials. */
  broker: string;
  /** Start of the attempt to the broker's CONNACK (DNS, TCP, TLS and the MQTT handshake). */
  rttMs: number | null;
  message: string;
  /** What to do next; absent when ok. */
  hint?: string;
}

const HINTS: Record<Exclude<UplinkOutcome, 'ok'>, string> = {
  not_configured: 'Set the cloud MQTT URL in Settings (e.g. mqtts://hub.example.org:8883), save, and test again.',
  dns: 'The hub name does not resolve: check the spelling of the URL, and that the uplink (LTE/Wi-Fi) has DNS.',
  refused: 'The host answered but nothing listens on that port: check the port in the URL and that the hub is running.',
  unreachable: 'No route to the hub: check the uplink (SIM, antenna, Wi-Fi) and any firewall.',
  timeout: 'The hub did not answer in time: the link may be too weak or a firewall drops the traffic; try again.',
  tls: 'The TLS handshake failed: check mqtts:// vs mqtt://, the port, and the CA file (cloud.tls.ca) from provisioning.',
  auth: 'The hub refused the credentials: check the username (the device id) and the password from provisioning.',
  error: 'See the message; the daemon log has more.',
};

export const redactUrl = (url: string): string => url.replace(/\/\/[^@/]*@/, '//');

/**
 * The sync relay is connected with these very settings: report that, with a TCP round trip to the
 * broker, rather than connect with the same client id (which would knock the relay off the hub).
 */
export async function viaConnectedRelay(mqttUrl: string, connectedSince: string | null, timeoutMs = 5000): Promise<UplinkResult> {
  const u = new URL(mqttUrl);
  const port = Number(u.port) || (u.protocol === 'mqtts:' || u.protocol === 'ssl:' ? 8883 : u.protocol === 'wss:' ? 443 : u.protocol === 'ws:' ? 80 : 1883);
  const start = performance.now();
  const rttMs = await new Promise<number | null>((resolve) => {
    const sock = tcpConnect({ host: u.hostname, port, timeout: timeoutMs });
    sock.once('connect', () => {
      resolve(Math.round(performance.now() - start));
      sock.destroy();
    });
    sock.once('error', () => resolve(null));
    sock.once('timeout', () => {
      sock.destroy();
      resolve(null);
    });
  });
  return {
    outcome: 'ok',
    broker: redactUrl(mqttUrl),
    rttMs,
    message: `The sync link is connected with these settings${connectedSince ? ` (since ${connectedSince})` : ''}; the round trip is a TCP connect to the broker.`,
  };
}

/** Map a connection failure to what a technician can act on. */
export function classify(err: Error & { code?: unknown }): UplinkOutcome {
  const code = String(err.code ?? '');
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME') return 'dns';
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'ENETDOWN') return 'unreachable';
  if (code === 'ETIMEDOUT') return 'timeout';
  // MQTT CONNACK return codes: 2 identifier rejected (client id is not the device id), 4 bad user/password, 5 not authorized.
  if (code === '2' || code === '4' || code === '5' || code === '134' || code === '135') return 'auth';
  if (/^(ERR_TLS|ERR_SSL|CERT_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_|ERR_OSSL)/.test(code) || /certificate|ssl|tls/i.test(err.message)) return 'tls';
  return 'error';
}

/**
 * Connect to the hub once with the given cloud settings (the saved ones, so new credentials can
 * be tried before a restart), wait for the CONNACK, and disconnect. The client id is the device
 * id, as the hub requires; `clean: true` leaves no session behind. Never throws.
 */
export async function testUplink(
  cloud: DeviceConfig['cloud'],
  deviceId: string,
  opts: { timeoutMs?: number; connect?: (url: string, o: IClientOptions) => MqttClient; clock?: () => number } = {},
): Promise<UplinkResult> {
  const clock = opts.clock ?? (() => performance.now());
  if (!cloud.mqttUrl) return { outcome: 'not_configured', broker: '', rttMs: null, message: 'No cloud MQTT URL is set.', hint: HINTS.not_configured };
  const broker = redactUrl(cloud.mqttUrl);
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const o: IClientOptions = {
    clientId: deviceId,
    clean: true,
    reconnectPeriod: 0,
    connectTimeout: timeoutMs,
    protocolVersion: 4,
    ...(cloud.username === null && cloud.password === null ? {} : { username: cloud.username ?? deviceId }),
    ...(cloud.password === null ? {} : { password: cloud.password }),
  };
  const start = clock();
  let client: MqttClient;
  try {
    if (cloud.tls?.ca) o.ca = readFileSync(cloud.tls.ca);
    client = (opts.connect ?? mqttConnect)(cloud.mqttUrl, o);
  } catch (err) {
    const outcome = classify(err as Error);
    return { outcome, broker, rttMs: null, message: (err as Error).message, hint: HINTS[outcome === 'ok' ? 'error' : outcome] };
  }
  const result = await new Promise<UplinkResult>((resolve) => {
    const timer = setTimeout(() => done({ outcome: 'timeout', broker, rttMs: null, message: `no answer from the hub within ${timeoutMs} ms`, hint: HINTS.timeout }), timeoutMs + 1000);
    let settled = false;
    function done(r: UplinkResult) {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    }
    client.once('connect', () => done({ outcome: 'ok', broker, rttMs: Math.round(clock() - start), message: 'Connected: the hub accepted this unit’s credentials.' }));
    client.on('error', (err) => {
      const outcome = classify(err as Error & { code?: unknown });
      done({ outcome, broker, rttMs: null, message: err.message, hint: HINTS[outcome === 'ok' ? 'error' : outcome] });
    });
    client.once('close', () => done({ outcome: 'error', broker, rttMs: null, message: 'the connection closed before the hub answered', hint: HINTS.error }));
  });
  await new Promise<void>((r) => client.end(true, {}, () => r()));
  return result;
}
