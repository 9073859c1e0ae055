import { svg, html, type TemplateResult } from 'lit';
import type { Device } from './api.js';
import { color } from './charts.js';

/**
 * The devices on a plain SVG map of their coordinates (no tiles, no CDN): every located
 * device as a ring, the ones where this individual was seen filled and labelled.
 */
export function deviceMap(devices: Device[], seen: Map<string, number>): TemplateResult {
  const located = devices.filter((d): d is Device & { location: { lat: number; lon: number } } => !!d.location);
  const missing = [...seen.keys()].filter((id) => !located.some((d) => d.deviceId === id));
  if (located.length === 0) {
    return html`<p class="hint">No device has coordinates yet (devices report them in their status, or an admin sets them), so there is no map. Seen at: ${[...seen.keys()].join(', ') || '—'}.</p>`;
  }
  const W = 480;
  const H = 300;
  const pad = 40;
  const lats = located.map((d) => d.location.lat);
  const lons = located.map((d) => d.location.lon);
  const [minLat, maxLat, minLon, maxLon] = [Math.min(...lats), Math.max(...lats), Math.min(...lons), Math.max(...lons)];
  // Equirectangular, with longitude shrunk by cos(latitude) so distances look right locally.
  const k = Math.cos((((minLat + maxLat) / 2) * Math.PI) / 180);
  const spanX = Math.max((maxLon - minLon) * k, 1e-4);
  const spanY = Math.max(maxLat - minLat, 1e-4);
  const s = Math.min((W - 2 * pad) / spanX, (H - 2 * pad) / spanY);
  const x = (lon: number) => W / 2 + ((lon - (minLon + maxLon) / 2) * k) * s;
  const y = (lat: number) => H / 2 - (lat - (minLat + maxLat) / 2) * s;
  const km = spanY * 111;
  return html`<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="Map of devices" style="width:100%;max-width:${W}px;height:auto;border:2px solid #000;background:#f6f6ee">
      ${located.map((d, i) => {
        const n = seen.get(d.deviceId) ?? 0;
        return svg`<g class=${n ? 'seen' : ''}>
          <circle cx=${x(d.location.lon)} cy=${y(d.location.lat)} r=${n ? 8 + Math.min(10, n * 2) : 6} fill=${n ? color(i) : '#fff'} stroke="#000" stroke-width="2"><title>${d.deviceId}: ${n} sighting(s)</title></circle>
          <text x=${x(d.location.lon) + 12} y=${y(d.location.lat) + 4} font-size="12" font-weight=${n ? 700 : 400}>${d.deviceId}${n ? ` (${n})` : ''}</text></g>`;
      })}
      <text x="8" y=${H - 8} font-size="11">N ↑ · ${km >= 1 ? `${km.toFixed(1)} km` : `${(km * 1000).toFixed(0)} m`} top to bottom</text>
    </svg>
    ${missing.length ? html`<p class="hint">Seen at devices without coordinates: ${missing.join(', ')}.</p>` : ''}`;
}

/** Sightings along a time axis, one row per device. */
export function timeline(items: { takenAt: string; deviceId: string }[]): TemplateResult {
  if (items.length === 0) return html`<p class="hint">No sightings.</p>`;
  const W = 720;
  const devs = [...new Set(items.map((i) => i.deviceId))];
  const H = devs.length * 28 + 36;
  const ts = items.map((i) => Date.parse(i.takenAt));
  const t0 = Math.min(...ts);
  const t1 = Math.max(...ts, t0 + 60_000);
  const x = (t: number) => 130 + ((t - t0) / (t1 - t0)) * (W - 150);
  return html`<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="Timeline of sightings" style="width:100%;height:auto">
    ${devs.map((d, i) => svg`<text x="122" y=${i * 28 + 20} text-anchor="end" font-size="12" font-weight="700">${d}</text><line x1="130" x2=${W - 20} y1=${i * 28 + 16} y2=${i * 28 + 16} stroke="#bbb" />`)}
    ${items.map((it) => {
      const i = devs.indexOf(it.deviceId);
      return svg`<circle cx=${x(Date.parse(it.takenAt))} cy=${i * 28 + 16} r="6" fill=${color(i)} stroke="#000"><title>${new Date(it.takenAt).toLocaleString()} · ${it.deviceId}</title></circle>`;
    })}
    <text x="130" y=${H - 6} font-size="12">${new Date(t0).toLocaleDateString()}</text>
    <text x=${W - 20} y=${H - 6} font-size="12" text-anchor="end">${new Date(t1).toLocaleDateString()}</text>
  </svg>`;
}
