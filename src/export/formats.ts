/** A subgraph as GEXF (Gephi), GraphML or Cytoscape.js JSON. */
import Graph from 'graphology';
import { write as writeGexf } from 'graphology-gexf';
import type { Edge, Entity } from '../store/graph-reader';

export const EXPORT_FORMATS = ['GEXF', 'GRAPHML', 'CYTOSCAPE'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export function exportSubgraph(format: ExportFormat, nodes: Array<Entity & { risk?: number }>, edges: Edge[]): string {
  switch (format) {
    case 'CYTOSCAPE': return cytoscape(nodes, edges);
    case 'GRAPHML': return graphml(nodes, edges);
    case 'GEXF': return gexf(nodes, edges);
    default: throw new Error(`unknown export format: ${String(format satisfies never)}`);
  }
}

function cytoscape(nodes: Array<Entity & { risk?: number }>, edges: Edge[]): string {
  return JSON.stringify({
    elements: {
      nodes: nodes.map((n) => ({ data: { id: n.id, label: n.name, kind: n.kind, key: n.key, risk: n.risk ?? null } })),
      edges: edges.map((e, i) => ({ data: { id: `e${i}`, source: e.source, target: e.target, type: e.type } })),
    },
  });
}

function gexf(nodes: Array<Entity & { risk?: number }>, edges: Edge[]): string {
  const g = new Graph({ type: 'directed', multi: true });
  for (const n of nodes) g.addNode(n.id, { label: n.name, kind: n.kind, key: n.key, risk: n.risk ?? 0 });
  for (const e of edges) if (g.hasNode(e.source) && g.hasNode(e.target)) g.addEdge(e.source, e.target, { type: e.type });
  return writeGexf(g);
}

const xml = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** GraphML by hand: graphology-graphml only parses. */
function graphml(nodes: Array<Entity & { risk?: number }>, edges: Edge[]): string {
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">',
    '  <key id="label" for="node" attr.name="label" attr.type="string"/>',
    '  <key id="kind" for="node" attr.name="kind" attr.type="string"/>',
    '  <key id="key" for="node" attr.name="key" attr.type="string"/>',
    '  <key id="risk" for="node" attr.name="risk" attr.type="double"/>',
    '  <key id="type" for="edge" attr.name="type" attr.type="string"/>',
    '  <graph id="G" edgedefault="directed">',
  ];
  const ids = new Set(nodes.map((n) => n.id));
  for (const n of nodes) {
    out.push(`    <node id="${xml(n.id)}"><data key="label">${xml(n.name)}</data><data key="kind">${n.kind}</data>` +
      `<data key="key">${xml(n.key)}</data><data key="risk">${n.risk ?? 0}</data></node>`);
  }
  edges.forEach((e, i) => {
    if (ids.has(e.source) && ids.has(e.target)) {
      out.push(`    <edge id="e${i}" source="${xml(e.source)}" target="${xml(e.target)}"><data key="type">${e.type}</data></edge>`);
    }
  });
  out.push('  </graph>', '</graphml>');
  return `${out.join('\n')}\n`;
}
