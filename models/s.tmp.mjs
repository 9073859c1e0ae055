import { iou } from '/work/main/models/dist/index.js';
import { renderScene, decodeRaw, SPECIES, openBundledModels, rng } from '/work/main/models/dist/testing/index.js';
const m = await openBundledModels();
let tp=0, fp=0, fn=0, ious=[], fails=[];
for (let s=0; s<60; s++) {
  const r = rng(5000+s); const objs=[];
  const n = 1 + Math.floor(r()*4);
  for (let k=0;k<n*10 && objs.length<n;k++) {
    const size = 40 + r()*320; // model px
    const w = size*3/1920, h = Math.min(0.95, size*(0.4+0.8*r())*3/1080);
    const box=[r()*(1-w), r()*(1-h), w, h];
    // require gap: expanded boxes don't overlap
    const g=0.02; if (objs.some(o=> !(box[0]>o.box[0]+o.box[2]+g || o.box[0]>box[0]+box[2]+g || box[1]>o.box[1]+o.box[3]+g || o.box[1]>box[1]+box[3]+g))) continue;
    const c = r(); const category = c<0.6?'animal':c<0.8?'person':'vehicle';
    objs.push({category, species: SPECIES[Math.floor(r()*4)].label, individual: Math.floor(r()*100), box});
  }
  const img = await decodeRaw(await renderScene({width:1920,height:1080,seed:s,format:'jpeg',objects:objs, jitter: r()}));
  const { detections } = await m.detector.detect(img);
  const used = new Set();
  for (const o of objs) {
    let best=-1,bi=-1; detections.forEach((d,i)=>{ if(d.category!==o.category||used.has(i))return; const v=iou(d.bbox,o.box); if(v>best){best=v;bi=i;} });
    if (best>=0.7) { tp++; used.add(bi); ious.push(best);} else { fn++; fails.push([s,o.category,o.box.map(v=>v.toFixed(3)).join(','),best.toFixed(2)]); }
  }
  fp += detections.length - used.size;
  if (detections.length - used.size) fails.push([s,'FP', detections.filter((_,i)=>!used.has(i)).map(d=>d.category+':'+d.bbox.map(v=>v.toFixed(3)).join(',')+':'+d.confidence.toFixed(2)).join(' ')]);
}
console.log({tp,fp,fn, minIou: Math.min(...ious).toFixed(3)});
for (const f of fails.slice(0,20)) console.log(JSON.stringify(f));
await m.release();
