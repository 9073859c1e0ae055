import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** sha256 of a file, hex, streamed so large models do not sit in memory twice. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
