import type { FastifyInstance } from 'fastify';
import type { Readable } from 'node:stream';
import type { TestShotResult, TestShotState } from '../system/test-shot.js';
import type { UplinkResult } from '../system/uplink-test.js';

export interface ToolsDeps {
  /** Connect to the hub once with the saved cloud settings. */
  testUplink: () => Promise<UplinkResult>;
  takeTestShot: () => Promise<TestShotResult>;
  testShotState: (file: string) => TestShotState;
  /** Recent log lines (NDJSON, redacted); null when this daemon keeps none. */
  logs: () => string | null;
  backup: () => Promise<{ stream: Readable; bytes: number }>;
  /** The local sightings as a Camtrap DP zip, with what the export could not fill in. */
  camtrapDp: () => { zip: Buffer; counts: Record<string, number>; missingLocations: string[] };
  /** Restart the daemon's parts in-process (re-reading settings); null when not supported. */
  restart: (() => void) | null;
  /** For file names: the unit's id. */
  deviceId: () => string;
}

const stamp = () => new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
const attachment = (name: string) => `attachment; filename="${name.replace(/[^A-Za-z0-9_.-]/g, '_')}"`;

/** The Tools page: uplink test, test shot, logs, database backup, Camtrap DP export, restart. */
export function registerToolsRoutes(app: FastifyInstance, deps: ToolsDeps): void {
  app.post('/api/tools/uplink-test', async () => deps.testUplink());

  app.post('/api/tools/test-shot', async (_req, reply) => {
    const r = await deps.takeTestShot();
    return reply.status(r.ok ? 202 : 500).send(r);
  });
  app.get<{ Params: { file: string } }>('/api/tools/test-shot/:file', async (req) => deps.testShotState(req.params.file));

  app.get('/api/tools/logs', async (_req, reply) => {
    const text = deps.logs();
    if (text === null) return reply.status(404).send({ error: { code: 'SPOOR_E_NOT_FOUND', message: 'this daemon keeps no log in memory; see journalctl -u spoor-device' } });
    return reply.type('application/x-ndjson; charset=utf-8').header('content-disposition', attachment(`spoor-${deps.deviceId()}-${stamp()}.log`)).send(text);
  });

  app.get('/api/tools/backup', async (_req, reply) => {
    const { stream, bytes } = await deps.backup();
    return reply
      .type('application/vnd.sqlite3')
      .header('content-length', bytes)
      .header('content-disposition', attachment(`spoor-${deps.deviceId()}-${stamp()}.db`))
      .send(stream);
  });

  app.get('/api/tools/camtrap-dp', async (_req, reply) => {
    const r = deps.camtrapDp();
    return reply
      .type('application/zip')
      .header('content-disposition', attachment(`spoor-${deps.deviceId()}-camtrap-dp-${stamp()}.zip`))
      .header('x-spoor-counts', JSON.stringify(r.counts))
      .header('x-spoor-missing-locations', r.missingLocations.join(','))
      .send(r.zip);
  });

  app.post('/api/system/restart', async (_req, reply) => {
    if (!deps.restart) return reply.status(409).send({ error: { code: 'SPOOR_E_BAD_REQUEST', message: 'this daemon cannot restart itself; restart the service (systemctl restart spoor-device)' } });
    const restart = deps.restart;
    // Answer first; the restart closes this server.
    reply.raw.once('finish', () => setImmediate(restart));
    return reply.status(202).send({ restarting: true });
  });
}
