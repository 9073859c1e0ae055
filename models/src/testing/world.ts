/**
 * The synthetic world the bundled test models are built for. Tests, benchmarks and the
 * generated ONNX models all read these constants, so they cannot drift apart.
 *
 * - Background: low-saturation grey/green-grey texture (never detected).
 * - An animal is a saturated warm-coloured body (its species colour) with a dark coat
 *   pattern (stripes or spots) that is unique per individual.
 * - A person is a saturated blue body; a vehicle is a saturated green body.
 */
export const CATEGORIES = ['animal', 'person', 'vehicle'] as const;
export type Category = (typeof CATEGORIES)[number];

export const CATEGORY_COLORS: Record<Exclude<Category, 'animal'>, readonly [number, number, number]> = {
  person: [30, 60, 220],
  vehicle: [30, 200, 60],
};

export interface SpeciesSpec {
  readonly label: string;
  /** Body colour (sRGB). */
  readonly color: readonly [number, number, number];
  /** Lineage from the species up: genus, family, order, class. */
  readonly lineage: readonly string[];
}

export const SPECIES: readonly SpeciesSpec[] = [
  { label: 'Panthera pardus', color: [225, 125, 25], lineage: ['Panthera', 'Felidae', 'Carnivora', 'Mammalia'] },
  { label: 'Lynx lynx', color: [205, 95, 110], lineage: ['Lynx', 'Felidae', 'Carnivora', 'Mammalia'] },
  { label: 'Equus quagga', color: [205, 35, 35], lineage: ['Equus', 'Equidae', 'Perissodactyla', 'Mammalia'] },
  { label: 'Giraffa camelopardalis', color: [215, 195, 35], lineage: ['Giraffa', 'Giraffidae', 'Artiodactyla', 'Mammalia'] },
];
