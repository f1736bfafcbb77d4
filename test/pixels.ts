import { PNG } from 'pngjs';

/** How much of a screenshot's box is drawn: dark-enough pixels and distinct colours (every second pixel). */
export function ink(shot: Buffer, box: { x: number; y: number; width: number; height: number }): { inked: number; colours: number } {
  const png = PNG.sync.read(shot);
  const colours = new Set<number>();
  let inked = 0;
  for (let y = Math.max(0, Math.floor(box.y)); y < Math.min(png.height, box.y + box.height); y += 2) {
    for (let x = Math.max(0, Math.floor(box.x)); x < Math.min(png.width, box.x + box.width); x += 2) {
      const i = (y * png.width + x) * 4;
      const [r, g, b] = [png.data[i]!, png.data[i + 1]!, png.data[i + 2]!];
      if (r + g + b < 720) inked++;
      colours.add((r << 16) | (g << 8) | b);
    }
  }
  return { inked, colours: colours.size };
}
