import { parentPort } from 'node:worker_threads';
import { isSpoorError } from '@spoor/protocol';
import { FrameInference } from './infer.js';
import type { FromWorker, ToWorker } from './messages.js';

/** Worker-thread entry: owns the ONNX sessions so HTTP and MQTT stay responsive. */
const port = parentPort;
if (!port) throw new Error('pipeline/worker.js must run in a worker thread');

let inference: FrameInference | null = null;
const post = (msg: FromWorker) => port.postMessage(msg);

port.on('message', (msg: ToWorker) => {
  void handle(msg);
});

async function handle(msg: ToWorker): Promise<void> {
  switch (msg.type) {
    case 'init':
      try {
        inference = await FrameInference.create(msg.init);
        post({ type: 'ready', models: inference.models() });
      } catch (err) {
        const e = isSpoorError(err) ? err : null;
        post({ type: 'fatal', code: e?.code ?? 'SPOOR_E_MODEL_INVALID', message: (err as Error).message, ...(e?.hint ? { hint: e.hint } : {}) });
      }
      return;
    case 'infer': {
      if (!inference) return post({ type: 'result', id: msg.id, result: { ok: false, code: 'SPOOR_E_NOT_READY', reason: 'models not loaded' } });
      try {
        post({ type: 'result', id: msg.id, result: await inference.run(msg.job) });
      } catch (err) {
        post({ type: 'result', id: msg.id, result: { ok: false, code: 'SPOOR_E_INFERENCE', reason: (err as Error).message } });
      }
      return;
    }
    case 'ping':
      return post({ type: 'pong', id: msg.id });
    case 'hang':
      if (process.env.SPOOR_TEST_HOOKS !== '1') return;
      for (;;) {
        // never yields: the watchdog must notice
      }
    case 'close':
      await inference?.release();
      post({ type: 'closed' });
      return;
  }
}
