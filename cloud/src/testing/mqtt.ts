import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';

/** Connect a device-like MQTT.js client; rejects with the broker's refusal (no reconnect loop). */
export async function connectDevice(port: number, username: string, password: string, extra: Partial<IClientOptions> = {}): Promise<MqttClient> {
  return mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
    clientId: username,
    username,
    password,
    clean: false,
    reconnectPeriod: 0,
    connectTimeout: 5_000,
    ...extra,
  });
}

/** Resolve with the next message on `topic` (or reject after `ms`). */
export function nextMessage(client: MqttClient, topic: string, ms = 5_000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off('message', on);
      reject(new Error(`no message on ${topic} within ${ms} ms`));
    }, ms);
    const on = (t: string, payload: Buffer) => {
      if (t !== topic) return;
      clearTimeout(timer);
      client.off('message', on);
      resolve(payload);
    };
    client.on('message', on);
  });
}

/** Resolve when the client's connection closes (the broker dropped it), or reject after `ms`. */
export function closed(client: MqttClient, ms = 5_000): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!client.connected) return resolve();
    const timer = setTimeout(() => reject(new Error(`still connected after ${ms} ms`)), ms);
    client.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll until `fn` returns true (or throw after `ms`). */
export async function until(fn: () => boolean | Promise<boolean>, ms = 10_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await fn()) return;
    await sleep(25);
  }
  throw new Error(`timed out waiting for ${what}`);
}
