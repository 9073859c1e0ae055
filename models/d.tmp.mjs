import { renderScene, decodeRaw, SPECIES, openBundledModels, rng } from '/work/main/models/dist/testing/index.js';
import { letterbox, decodeYolo } from '/work/main/models/dist/index.js';
import sharp from 'sharp';
const m = await openBundledModels();
const seed = Number(process.argv[2]);
const s = seed;
  const r = rng(5000+s); const objs=[];
  const n = 1 + Math.floor(r()*4);
  for (let k=0;k<n*10 && objs.length<n;k++) {
    const size = 40 + r()*320;
    const w = size*3/1920, h = Math.min(0.95, size*(0.4+0.8*r())*3/1080);
    const box=[r()*(1-w), r()*(1-h), w, h];
    const g=0.02; if (objs.some(o=> !(box[0]>o.box[0]+o.box[2]+g || o.box[0]>box[0]+box[2]+g || box[1]>o.box[1]+o.box[3]+g || o.box[1]>box[1]+box[3]+g))) continue;
    const c = r(); const category = c<0.6?'animal':c<0.8?'person':'vehicle';
    objs.push({category, species: SPECIES[Math.floor(r()*4)].label, individual: Math.floor(r()*100), box});
  }
const jitter = r();
console.log(JSON.stringify(objs), jitter);
const bytes = await renderScene({width:1920,height:1080,seed:s,format:'jpeg',objects:objs, jitter});
await sharp(bytes).resize(960).png().toFile('/tmp/dbg.png');
const img = await decodeRaw(bytes);
const p = await letterbox(img, m.detector.model.entry.input);
const out = Object.values(await m.detector.model.run(p.tensor, p.dims))[0];
const dets = decodeYolo(out, p.transform, { ...m.detector.model.entry.output, scoreThreshold: 0.05, iouThreshold: 0.9 });
for (const d of dets.slice(0,12)) console.log(d.category, d.bbox.map(v=>v.toFixed(3)).join(','), d.confidence.toFixed(3));
await m.release();
