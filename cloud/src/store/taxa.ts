import type { Queryable } from './sql.js';

/** Common camera-trap taxa, offered before the store has seen them (scientific name, rank, English name). */
export const BUNDLED_TAXA: readonly { label: string; rank: string; common: string }[] = [
  ['Mammalia', 'class', 'mammals'],
  ['Aves', 'class', 'birds'],
  ['Carnivora', 'order', 'carnivores'],
  ['Artiodactyla', 'order', 'even-toed ungulates'],
  ['Rodentia', 'order', 'rodents'],
  ['Canidae', 'family', 'dogs and foxes'],
  ['Felidae', 'family', 'cats'],
  ['Mustelidae', 'family', 'mustelids'],
  ['Cervidae', 'family', 'deer'],
  ['Suidae', 'family', 'pigs'],
  ['Vulpes vulpes', 'species', 'red fox'],
  ['Canis lupus', 'species', 'grey wolf'],
  ['Canis aureus', 'species', 'golden jackal'],
  ['Canis latrans', 'species', 'coyote'],
  ['Nyctereutes procyonoides', 'species', 'raccoon dog'],
  ['Lynx lynx', 'species', 'Eurasian lynx'],
  ['Lynx rufus', 'species', 'bobcat'],
  ['Felis silvestris', 'species', 'wildcat'],
  ['Felis catus', 'species', 'domestic cat'],
  ['Panthera pardus', 'species', 'leopard'],
  ['Panthera tigris', 'species', 'tiger'],
  ['Panthera leo', 'species', 'lion'],
  ['Puma concolor', 'species', 'puma'],
  ['Acinonyx jubatus', 'species', 'cheetah'],
  ['Ursus arctos', 'species', 'brown bear'],
  ['Ursus americanus', 'species', 'American black bear'],
  ['Meles meles', 'species', 'European badger'],
  ['Martes martes', 'species', 'pine marten'],
  ['Martes foina', 'species', 'beech marten'],
  ['Mustela erminea', 'species', 'stoat'],
  ['Mustela nivalis', 'species', 'least weasel'],
  ['Lutra lutra', 'species', 'Eurasian otter'],
  ['Gulo gulo', 'species', 'wolverine'],
  ['Procyon lotor', 'species', 'raccoon'],
  ['Crocuta crocuta', 'species', 'spotted hyena'],
  ['Sus scrofa', 'species', 'wild boar'],
  ['Capreolus capreolus', 'species', 'roe deer'],
  ['Cervus elaphus', 'species', 'red deer'],
  ['Dama dama', 'species', 'fallow deer'],
  ['Alces alces', 'species', 'moose'],
  ['Rangifer tarandus', 'species', 'reindeer'],
  ['Odocoileus virginianus', 'species', 'white-tailed deer'],
  ['Rupicapra rupicapra', 'species', 'chamois'],
  ['Capra ibex', 'species', 'Alpine ibex'],
  ['Bison bonasus', 'species', 'European bison'],
  ['Loxodonta africana', 'species', 'African bush elephant'],
  ['Giraffa camelopardalis', 'species', 'giraffe'],
  ['Equus quagga', 'species', 'plains zebra'],
  ['Lepus europaeus', 'species', 'European hare'],
  ['Oryctolagus cuniculus', 'species', 'European rabbit'],
  ['Sciurus vulgaris', 'species', 'red squirrel'],
  ['Sciurus carolinensis', 'species', 'eastern grey squirrel'],
  ['Erinaceus europaeus', 'species', 'European hedgehog'],
  ['Castor fiber', 'species', 'Eurasian beaver'],
  ['Hystrix cristata', 'species', 'crested porcupine'],
  ['Didelphis virginiana', 'species', 'Virginia opossum'],
  ['Homo sapiens', 'species', 'human'],
  ['Bos taurus', 'species', 'cattle'],
  ['Ovis aries', 'species', 'sheep'],
  ['Canis familiaris', 'species', 'domestic dog'],
  ['Garrulus glandarius', 'species', 'Eurasian jay'],
  ['Turdus merula', 'species', 'common blackbird'],
  ['Erithacus rubecula', 'species', 'European robin'],
  ['Phasianus colchicus', 'species', 'common pheasant'],
  ['Columba palumbus', 'species', 'common wood pigeon'],
  ['Pica pica', 'species', 'Eurasian magpie'],
  ['Corvus corax', 'species', 'common raven'],
  ['Corvus corone', 'species', 'carrion crow'],
  ['Buteo buteo', 'species', 'common buzzard'],
  ['Strix aluco', 'species', 'tawny owl'],
  ['Bubo bubo', 'species', 'Eurasian eagle-owl'],
  ['Ardea cinerea', 'species', 'grey heron'],
  ['Meleagris gallopavo', 'species', 'wild turkey'],
  ['Struthio camelus', 'species', 'common ostrich'],
].map(([label, rank, common]) => ({ label: label as string, rank: rank as string, common: common as string }));

export interface TaxonHit {
  label: string;
  rank: string;
  /** Detections in the store with this taxon (reviewed, else the device's). */
  count: number;
  common: string | null;
}

/**
 * Taxa for the reviewer's search box: the labels the store has seen plus the bundled list,
 * matching `q` as a prefix or a substring (case-insensitive) of the label or the common name.
 * Prefix matches come first, then the most seen.
 */
export async function searchTaxa(sql: Queryable, q: string, limit: number): Promise<TaxonHit[]> {
  const needle = q.trim().toLowerCase();
  const like = `%${needle.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const { rows } = await sql.query<{ label: string; rank: string | null; n: number }>(
    `SELECT COALESCE(review_taxon_label, taxon_label) AS label, max(COALESCE(review_taxon_rank, taxon_rank)) AS rank, count(*)::int AS n
       FROM detections WHERE COALESCE(review_taxon_label, taxon_label) IS NOT NULL AND lower(COALESCE(review_taxon_label, taxon_label)) LIKE $1
      GROUP BY 1 ORDER BY n DESC LIMIT 200`,
    [like],
  );
  const hits = new Map<string, TaxonHit>();
  for (const r of rows) hits.set(r.label.toLowerCase(), { label: r.label, rank: r.rank ?? 'species', count: Number(r.n), common: null });
  for (const t of BUNDLED_TAXA) {
    const key = t.label.toLowerCase();
    const seen = hits.get(key);
    if (seen) seen.common = t.common;
    else if (key.includes(needle) || t.common.toLowerCase().includes(needle)) hits.set(key, { label: t.label, rank: t.rank, count: 0, common: t.common });
  }
  const prefix = (h: TaxonHit) => h.label.toLowerCase().startsWith(needle) || (h.common?.toLowerCase().startsWith(needle) ?? false);
  return [...hits.values()]
    .sort((a, b) => Number(prefix(b)) - Number(prefix(a)) || b.count - a.count || a.label.localeCompare(b.label))
    .slice(0, limit);
}
