/**
 * Cheap byte-level checks that need no decoder: what kind of file this is when sharp
 * cannot tell us (so a video or BMP is "unsupported", not "corrupt"), and whether a JPEG
 * or PNG ends where a complete one must.
 */

/** Files we recognise by their magic bytes but never process. */
export type RefusedKind = 'gif' | 'markup' | 'pdf' | 'bmp' | 'video';

const ascii = (buf: Buffer, start: number, end: number): string => buf.toString('latin1', start, end);

/** Recognise formats we refuse, so the quarantine reason is useful. `null` when unknown. */
export function sniffRefused(buf: Buffer): RefusedKind | null {
  if (buf.length < 4) return null;
  if (ascii(buf, 0, 4) === 'GIF8') return 'gif';
  if (ascii(buf, 0, 4) === '%PDF') return 'pdf';
  if (ascii(buf, 0, 2) === 'BM' && buf.length >= 26) return 'bmp';
  // RIFF....AVI  (many camera traps record AVI clips next to their stills)
  if (ascii(buf, 0, 4) === 'RIFF' && ascii(buf, 8, 11) === 'AVI') return 'video';
  // ISO BMFF (MP4/MOV/3GP); HEIF/AVIF share the container but sharp recognises those itself.
  if (buf.length >= 12 && ascii(buf, 4, 8) === 'ftyp') {
    const brand = ascii(buf, 8, 12);
    if (!/^(heic|heix|hevc|hevx|heim|heis|mif1|msf1|avif|avis)$/.test(brand)) return 'video';
  }
  // SVG or other XML/HTML: first non-space character is '<' (after an optional UTF-8 BOM).
  const head = ascii(buf, 0, Math.min(buf.length, 256)).replace(/^\u00ef\u00bb\u00bf/, '').trimStart();
  if (head.startsWith('<')) return 'markup';
  return null;
}

const JPEG_EOI_SEARCH = 4096;

/**
 * True when the bytes certainly stop before the image does: a JPEG with no end-of-image
 * marker near its end, or a PNG without its final IEND chunk. Other formats return false
 * (their truncation is caught when they are decoded). Cameras sometimes pad after EOI,
 * so callers treat `true` as a suspicion to confirm with a real decode.
 */
export function looksTruncated(buf: Buffer, format: string): boolean {
  if (format === 'jpeg') {
    const tail = buf.subarray(Math.max(2, buf.length - JPEG_EOI_SEARCH));
    for (let i = tail.length - 2; i >= 0; i--) {
      if (tail[i] === 0xff && tail[i + 1] === 0xd9) return false;
    }
    return true;
  }
  if (format === 'png') {
    return buf.length < 12 || ascii(buf, buf.length - 8, buf.length - 4) !== 'IEND';
  }
  return false;
}

/** JPEG or PNG by magic bytes, for judging a decoder error; `null` for anything else. */
export function magicFormat(buf: Buffer): 'jpeg' | 'png' | null {
  if (buf.length >= 3 && buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff) return 'jpeg';
  if (buf.length >= 8 && buf.readUInt32BE(0) === 0x89504e47 && buf.readUInt32BE(4) === 0x0d0a1a0a) return 'png';
  return null;
}
