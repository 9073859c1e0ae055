import { css, html } from 'lit';
import { imageUrl, type Detection } from './api.js';

/** Styles for `boxedPhoto`: yellow boxes with a black outline, readable on any photo. */
export const photoStyles = css`
  .photo { position: relative; line-height: 0; background: #000; overflow: hidden; }
  .photo img { width: 100%; height: auto; }
  .box { position: absolute; border: 3px solid #ffd400; box-shadow: 0 0 0 2px #000; }
  .tag { position: absolute; max-width: 100%; overflow: hidden; text-overflow: ellipsis; background: #ffd400; color: #000; font: 700 0.8rem/1.4 system-ui; padding: 0 4px; white-space: nowrap; }
`;

export const detectionLabel = (d: Detection): string => {
  const who = d.individual?.name ?? (d.individual?.decision === 'new' ? 'new individual' : '');
  return who || d.taxon?.label || d.label;
};

/** One frame, downscaled by the daemon, with its detections boxed and labelled. */
export function boxedPhoto(frame: { captureId: string; width: number; height: number }, dets: Detection[], width: number, alt: string) {
  return html`<div class="photo">
    <img src=${imageUrl(frame.captureId, width)} alt=${alt} width=${frame.width} height=${frame.height} loading="lazy" />
    ${dets.map((d) => {
      const [x, y, w, h] = d.bbox;
      return html`<div class="box" style="left:${x * 100}%;top:${y * 100}%;width:${w * 100}%;height:${h * 100}%"></div>
        <span class="tag" style="left:${x * 100}%;top:${y * 100}%;max-width:${(1 - x) * 100}%">${detectionLabel(d)}</span>`;
    })}
  </div>`;
}
