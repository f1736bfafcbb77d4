/** The 21 sections of the Harmonized System, by their first chapter (WCO nomenclature). */
const SECTIONS: Array<[firstChapter: number, section: string]> = [
  [1, 'I live animals, animal products'], [6, 'II vegetable products'], [15, 'III fats and oils'], [16, 'IV prepared foodstuffs, beverages, tobacco'],
  [25, 'V mineral products'], [28, 'VI chemical products'], [39, 'VII plastics and rubber'], [41, 'VIII hides, leather, travel goods'],
  [44, 'IX wood, cork, basketware'], [47, 'X pulp, paper'], [50, 'XI textiles'], [64, 'XII footwear, headgear'],
  [68, 'XIII stone, ceramics, glass'], [71, 'XIV pearls, precious metals'], [72, 'XV base metals'], [84, 'XVI machinery, electrical equipment'],
  [86, 'XVII vehicles, aircraft, vessels'], [90, 'XVIII optical, medical, clocks, instruments'], [93, 'XIX arms and ammunition'],
  [94, 'XX miscellaneous manufactured articles'], [97, 'XXI works of art, antiques'],
];

/** The HS section of a code (by its first two digits), or `unknown chapter NN`. */
export function hsSection(hsCode: string): string {
  const chapter = Number(hsCode.slice(0, 2));
  if (!(chapter >= 1 && chapter <= 97) || chapter === 77) return `unknown chapter ${hsCode.slice(0, 2)}`;
  let found = SECTIONS[0]![1];
  for (const [first, section] of SECTIONS) if (chapter >= first) found = section;
  return found;
}
