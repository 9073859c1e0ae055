import { parseArgs } from 'node:util';
import { createNotifier, watchdogUsec } from '@spoor/native';
import { loadConfigFile } from '../config/load.js';
import { startDaemon } from '../daemon.js';
import { withPushedConfig } from '../sync/config-push.js';
import { createLogger } from '../system/logger.js';
import { PipelineWatchdog } from '../system/watchdog.js';
import { type CliIo, UsageError } from './common.js';

export const RUN_HELP = `Usage: spoor-device run --config <file> [--json]

Run the device daemon: the watch folder, the inference pipeline and the HTTP API
(/health, /ready, /api/...). The config is JSON or YAML; it needs at least
{"dataDir": "...", "inbox": "...", "http": {"port": 0}} (port 0 picks a free port).
Relative paths are relative to the config file. SIGTERM or SIGINT stops it cleanly.
Under systemd (Type=notify) it sends READY=1 once models and DB are up, and with
WatchdogSec= pets the watchdog only while the event loop and the inference worker answer.

Options:
  --config <file>  the device config
  --json           print {"http": <port>} as the first stdout line once ready
  -h, --help       show this help`;

export async function runCommand(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { config: { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) return io.out(RUN_HELP), 0;
  if (!values.config) throw new UsageError('run needs --config <file>');
  // A config pushed by the hub (saved under the data dir) overrides the file, setting by setting.
  const { config, version } = withPushedConfig(loadConfigFile(values.config));
  const logger = createLogger(config.logLevel);
  if (version !== null) logger.info({ version }, 'using the config pushed by the hub over the config file');
  const notifier = createNotifier({ warn: (msg) => logger.warn(msg) });
  const daemon = await startDaemon(config, logger);
  const models = daemon.runtime.pool.loadedModels();
  notifier.ready(`${config.deviceId}: ${models.length} models (${models.map((m) => m.provider).join(',')}), http :${daemon.port}, watching ${config.inbox}`);
  const usec = watchdogUsec();
  const watchdog =
    usec !== null && notifier.enabled
      ? new PipelineWatchdog({ intervalUs: usec, pet: () => notifier.watchdog(), pingWorker: (ms) => daemon.runtime.pool.ping(ms), logger: logger.child({ mod: 'watchdog' }) })
      : null;
  watchdog?.start();
  // Test hook: SIGUSR2 wedges the inference worker, as a native call that never returns would.
  if (process.env.SPOOR_TEST_HOOKS === '1') process.on('SIGUSR2', () => daemon.runtime.pool.hangForTest());
  if (values.json) io.out(JSON.stringify({ http: daemon.port }));
  else io.err(`spoor-device ${config.deviceId} ready: http://localhost:${daemon.port}/  (watching ${config.inbox})`);

  await new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      logger.info({ signal }, 'stopping');
      notifier.stopping(`stopping on ${signal}`);
      watchdog?.stop();
      const force = setTimeout(() => {
        logger.error('shutdown took too long; exiting');
        process.exit(1);
      }, 10_000);
      force.unref();
      daemon.stop().then(resolve, (err) => {
        logger.error({ err }, 'error while stopping');
        resolve();
      });
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
  });
  return 0;
}
