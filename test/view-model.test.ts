/**
 * What the explorer draws of what it loaded (web/view-model.ts): declarations hidden with their
 * parties tied directly, the time filter, hubs, kinds and risk.
 */
import { describe, expect, it } from 'vitest';
import { defaultFilters, HUB_LINKS, VIA_DECLARATIONS, visibleView, type ViewLink, type ViewNode } from '../web/view-model';

const node = (id: string, kind: string, extra: Partial<ViewNode> = {}): [string, ViewNode] => [id, { id, kind, key: id, name: id, ...extra }];

/** T1 and T2 share a phone; T1 lodged two declarations with supplier S1 (January, March), T2 one with S2 (June). */
function world() {
  const nodes = new Map<string, ViewNode>([
    node('T1', 'TRADER', { risk: { score: 0.6, knownBad: true } }), node('T2', 'TRADER', { risk: { score: 0.1, knownBad: false } }),
    node('S1', 'SUPPLIER', { risk: { score: 0.2, knownBad: false } }), node('S2', 'SUPPLIER', { risk: { score: 0.05, knownBad: false } }),
    node('P', 'PHONE'), node('d1', 'DECLARATION', { lodgedAt: '2025-01-10' }), node('d2', 'DECLARATION', { lodgedAt: '2025-03-05' }),
    node('d3', 'DECLARATION', { lodgedAt: '2025-06-20' }),
  ]);
  const links: ViewLink[] = [
    { source: 'T1', target: 'P', type: 'HAS_PHONE' }, { source: 'T2', target: 'P', type: 'HAS_PHONE' },
    { source: 'd1', target: 'T1', type: 'FILED_BY' }, { source: 'd1', target: 'S1', type: 'SUPPLIED_BY' },
    { source: 'd2', target: 'T1', type: 'FILED_BY' }, { source: 'd2', target: 'S1', type: 'SUPPLIED_BY' },
    { source: 'd3', target: 'T2', type: 'FILED_BY' }, { source: 'd3', target: 'S2', type: 'SUPPLIED_BY' },
  ];
  return { nodes, links };
}

const ids = (v: { nodes: ViewNode[] }) => v.nodes.map((n) => n.id).sort();

describe('the explorer\'s view', () => {
  it('hides declarations at first and ties their trader to each party they name, with how many', () => {
    const { nodes, links } = world();
    const v = visibleView(nodes, links, defaultFilters());
    expect(ids(v)).toEqual(['P', 'S1', 'S2', 'T1', 'T2']);
    const via = v.links.filter((l) => l.type === VIA_DECLARATIONS);
    expect(via.map((l) => [l.source, l.target, l.declarations])).toEqual([['T1', 'S1', 2], ['T2', 'S2', 1]]);
    expect(v.dateSpan).toEqual(['2025-01-10', '2025-06-20']);
    const shown = visibleView(nodes, links, { ...defaultFilters(), hiddenKinds: new Set() });
    expect(ids(shown)).toContain('d1');
    expect(shown.links.some((l) => l.type === VIA_DECLARATIONS)).toBe(false);
  });

  it('removes the parties with no declaration in the date range, and identifiers that then tie nothing', () => {
    const { nodes, links } = world();
    const spring = visibleView(nodes, links, { ...defaultFilters(), from: '2025-02-01', to: '2025-04-30' });
    expect(ids(spring)).toEqual(['P', 'S1', 'T1']);
    expect(spring.links.find((l) => l.type === VIA_DECLARATIONS)?.declarations).toBe(1);
    const summer = visibleView(nodes, links, { ...defaultFilters(), hiddenKinds: new Set(), from: '2025-06-01' });
    expect(ids(summer)).toEqual(['P', 'S2', 'T2', 'd3']);
    const none = visibleView(nodes, links, { ...defaultFilters(), from: '2026-01-01' });
    expect(ids(none)).toEqual([]);
  });

  it('leaves out hubs unless asked or opened, and filters by kind and risk', () => {
    const { nodes, links } = world();
    nodes.set(...node('C', 'CARRIER'));
    for (let i = 0; i <= HUB_LINKS; i++) {
      nodes.set(...node(`x${i}`, 'DECLARATION', { lodgedAt: '2025-05-01' }));
      links.push({ source: `x${i}`, target: 'C', type: 'CARRIED_BY' }, { source: `x${i}`, target: 'T2', type: 'FILED_BY' });
    }
    const v = visibleView(nodes, links, defaultFilters());
    expect(ids(v)).not.toContain('C');
    expect(v.hiddenHubs).toEqual([{ node: nodes.get('C'), links: HUB_LINKS + 1 }]);
    expect(ids(visibleView(nodes, links, { ...defaultFilters(), showHubs: true }))).toContain('C');
    expect(ids(visibleView(nodes, links, defaultFilters(), new Set(['C'])))).toContain('C');
    expect(ids(visibleView(nodes, links, { ...defaultFilters(), minRisk: 0.15 }))).toEqual(['P', 'S1', 'T1']);
    expect(ids(visibleView(nodes, links, { ...defaultFilters(), hiddenKinds: new Set(['DECLARATION', 'CONTAINER', 'PHONE']) }))).not.toContain('P');
    const noPhones = visibleView(nodes, links, { ...defaultFilters(), hiddenLinks: new Set(['HAS_PHONE']) });
    expect(noPhones.links.some((l) => l.type === 'HAS_PHONE')).toBe(false);
  });
});
