import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/**
 * A systemd stand-in for tests: a real AF_UNIX SOCK_DGRAM socket bound by python3 (Node
 * cannot bind one), printing each datagram it receives as a JSON string on its own line.
 * `address` is what NOTIFY_SOCKET gets: a filesystem path, or `@name` for the abstract namespace.
 */
export interface NotifySocket {
  address: string;
  /** Every datagram so far, in arrival order, with its arrival time. */
  messages: { at: number; text: string }[];
  waitFor(pred: (text: string) => boolean, timeoutMs?: number): Promise<{ at: number; text: string }>;
  close(): Promise<void>;
}

const SCRIPT = `
import json, socket, sys
addr = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind('\\0' + addr[1:] if addr.startswith('@') else addr)
print('"BOUND"', flush=True)
while True:
    data, _ = s.recvfrom(65536)
    print(json.dumps(data.decode('utf-8', 'replace')), flush=True)
`;

export async function bindNotifySocket(address: string): Promise<NotifySocket> {
  const child: ChildProcess = spawn('python3', ['-c', SCRIPT, address], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += d));
  const messages: { at: number; text: string }[] = [];
  const waiters = new Set<() => void>();
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  await new Promise<void>((resolve, reject) => {
    let bound = false;
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const text = JSON.parse(line) as string;
      if (!bound && text === 'BOUND') return (bound = true), resolve();
      messages.push({ at: Date.now(), text });
      for (const w of waiters) w();
    });
    child.once('error', reject);
    void exited.then(() => !bound && reject(new Error(`python3 could not bind ${address}: ${stderr}`)));
  });
  return {
    address,
    messages,
    waitFor(pred, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = messages.find((m) => pred(m.text));
          if (!hit) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(hit);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no datagram matched within ${timeoutMs} ms; got ${JSON.stringify(messages.map((m) => m.text))}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async close() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
