/**
 * Static SVG charts for the run report: axes with ticks, lines, points, bars and reference lines,
 * drawn with presentation attributes only (no inline style, so a strict Content-Security-Policy
 * lets them through), printable, no script. Pure string building: it runs in Node and in the
 * explorer's bundle alike.
 */

export interface Axis {
  label: string;
  min: number;
  max: number;
  /** Tick values; five evenly spaced ones when not given. */
  ticks?: number[];
  format?: (v: number) => string;
  /** Names of categories drawn at ticks 0, 1, 2, ... (bar charts). */
  categories?: string[];
}

export interface Series {
  name: string;
  colour: string;
  kind: 'line' | 'points' | 'bars';
  points: Array<{ x: number; y: number; label?: string; highlight?: boolean }>;
  dashed?: boolean;
}

export interface ChartSpec {
  id: string;
  title: string;
  x: Axis;
  y: Axis;
  series: Series[];
  /** Straight reference lines from (x1, y1) to (x2, y2) in data units, e.g. the diagonal. */
  references?: Array<{ from: [number, number]; to: [number, number]; label: string }>;
  caption?: string;
}

const W = 560;
const H = 300;
const M = { left: 56, right: 16, top: 34, bottom: 48 };

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const n2 = (v: number) => (Math.round(v * 100) / 100).toString();

function ticksOf(a: Axis): number[] {
  if (a.ticks) return a.ticks;
  if (a.categories) return a.categories.map((_, i) => i);
  return Array.from({ length: 5 }, (_, i) => a.min + ((a.max - a.min) * i) / 4);
}

export function chart(spec: ChartSpec): string {
  const plotW = W - M.left - M.right;
  // Categories sit in the middle of equal bands; numbers on a continuous scale.
  const bands = spec.x.max - spec.x.min + 1;
  const sx = spec.x.categories
    ? (v: number) => M.left + ((v - spec.x.min + 0.5) / bands) * plotW
    : (v: number) => M.left + ((v - spec.x.min) / (spec.x.max - spec.x.min || 1)) * plotW;
  const sy = (v: number) => H - M.bottom - ((v - spec.y.min) / (spec.y.max - spec.y.min || 1)) * (H - M.top - M.bottom);
  const clampY = (v: number) => Math.max(spec.y.min, Math.min(spec.y.max, v));
  const fx = spec.x.format ?? n2;
  const fy = spec.y.format ?? n2;
  const parts: string[] = [];
  // Axes, grid and ticks.
  for (const t of ticksOf(spec.y)) {
    parts.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${n2(sy(t))}" y2="${n2(sy(t))}" stroke="#e3e6ea"/>`,
      `<text x="${M.left - 6}" y="${n2(sy(t) + 4)}" text-anchor="end" font-size="11" fill="#444">${escapeXml(fy(t))}</text>`);
  }
  for (const t of ticksOf(spec.x)) {
    const text = spec.x.categories ? spec.x.categories[t] ?? '' : fx(t);
    parts.push(`<text x="${n2(sx(t))}" y="${H - M.bottom + 16}" text-anchor="middle" font-size="11" fill="#444">${escapeXml(text)}</text>`);
  }
  parts.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${H - M.bottom}" y2="${H - M.bottom}" stroke="#555"/>`,
    `<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${H - M.bottom}" stroke="#555"/>`,
    `<text x="${(M.left + W - M.right) / 2}" y="${H - 10}" text-anchor="middle" font-size="12" fill="#222">${escapeXml(spec.x.label)}</text>`,
    `<text x="14" y="${(M.top + H - M.bottom) / 2}" text-anchor="middle" font-size="12" fill="#222" transform="rotate(-90 14 ${(M.top + H - M.bottom) / 2})">${escapeXml(spec.y.label)}</text>`);
  for (const r of spec.references ?? []) {
    parts.push(`<line x1="${n2(sx(r.from[0]))}" y1="${n2(sy(clampY(r.from[1])))}" x2="${n2(sx(r.to[0]))}" y2="${n2(sy(clampY(r.to[1])))}" stroke="#999" stroke-dasharray="4 4"><title>${escapeXml(r.label)}</title></line>`);
  }
  const bars = spec.series.filter((s) => s.kind === 'bars');
  const slot = plotW / Math.max(1, bands);
  const barWidth = (slot * 0.8) / Math.max(1, bars.length);
  spec.series.forEach((s) => {
    if (s.kind === 'line') {
      const d = s.points.map((p, i) => `${i ? 'L' : 'M'}${n2(sx(p.x))},${n2(sy(clampY(p.y)))}`).join(' ');
      parts.push(`<path d="${d}" fill="none" stroke="${s.colour}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 3"' : ''}/>`);
    }
    if (s.kind === 'line' || s.kind === 'points') {
      for (const p of s.points) {
        parts.push(`<circle cx="${n2(sx(p.x))}" cy="${n2(sy(clampY(p.y)))}" r="${p.highlight ? 5 : 3}" fill="${p.highlight ? '#c0392b' : s.colour}"><title>${escapeXml(p.label ?? `${fx(p.x)}, ${fy(p.y)}`)}</title></circle>`);
        if (p.highlight && p.label) parts.push(`<text x="${n2(sx(p.x) + 7)}" y="${n2(sy(clampY(p.y)) - 6)}" font-size="11" fill="#c0392b">${escapeXml(p.label)}</text>`);
      }
    }
    if (s.kind === 'bars') {
      const k = bars.indexOf(s);
      for (const p of s.points) {
        const x = sx(p.x) - (slot * 0.8) / 2 + k * barWidth;
        const y = sy(clampY(p.y));
        parts.push(`<rect x="${n2(x)}" y="${n2(y)}" width="${n2(barWidth)}" height="${n2(H - M.bottom - y)}" fill="${s.colour}"><title>${escapeXml(`${s.name}: ${p.label ?? fy(p.y)}`)}</title></rect>`);
      }
    }
  });
  // Legend above the plot, three to a row.
  spec.series.forEach((s, i) => {
    const y = 11 + Math.floor(i / 3) * 12;
    const x = M.left + (i % 3) * 165;
    parts.push(`<rect x="${x}" y="${y - 8}" width="10" height="10" fill="${s.colour}"/>`,
      `<text x="${x + 14}" y="${y + 1}" font-size="11" fill="#222">${escapeXml(s.name)}</text>`);
  });
  const points = spec.series.reduce((a, s) => a + s.points.length, 0);
  return `<figure class="chart" data-chart="${escapeXml(spec.id)}" data-points="${points}">
<figcaption>${escapeXml(spec.title)}</figcaption>
<svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeXml(spec.title)}" xmlns="http://www.w3.org/2000/svg">${parts.join('')}</svg>
${spec.caption ? `<p class="caption">${escapeXml(spec.caption)}</p>` : ''}</figure>`;
}
