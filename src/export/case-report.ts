/**
 * A case as a printable page: its title and status, the entities gathered with their risk and the
 * reasons behind it, the evidence declarations (date, goods, value, outcome), the notes and the
 * history. Static HTML; the explorer adds the picture of the case's graph when it prints it.
 */
import type { InvestigationCase } from '../domain/cases';
import type { Declaration } from '../domain/declaration';
import type { CommunityRecord, EntityScore } from '../domain/results';
import type { Entity } from '../store/graph-reader';

export interface CaseReportData {
  c: InvestigationCase;
  entities: Map<string, Entity>;
  scores: Map<string, EntityScore>;
  declarations: Map<string, Declaration & { id: string }>;
  rings: Map<string, CommunityRecord>;
  /** An image of the case's graph (a data: URL), when the explorer prints it. */
  picture?: string;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);
const money = (v: number, c: string) => `${Math.round(v).toLocaleString('en-US')} ${c}`;

export const CASE_REPORT_CSS = `
.cg-case { font: 13px/1.45 system-ui, sans-serif; color: #1d232a; max-width: 1000px; margin: 0 auto; padding: 10px 18px; }
.cg-case h1 { font-size: 20px; margin: 0 0 4px; } .cg-case h2 { font-size: 15px; margin: 18px 0 6px; border-bottom: 1px solid #d5dae0; }
.cg-case table { border-collapse: collapse; width: 100%; } .cg-case th, .cg-case td { border: 1px solid #d5dae0; padding: 3px 6px; text-align: left; vertical-align: top; }
.cg-case .bad { color: #a61b1b; font-weight: 600; } .cg-case img { max-width: 100%; border: 1px solid #d5dae0; }
@media print { .cg-case table, .cg-case img { break-inside: avoid; } }
`;

export function caseReportBody(d: CaseReportData): string {
  const { c } = d;
  const status = c.status.replace('_', ', ').replace('closed, confirmed', 'closed: fraud confirmed').replace('closed, unfounded', 'closed: unfounded');
  const entityRows = c.items.filter((i) => i.kind === 'entity').map((i) => {
    const e = d.entities.get(i.ref);
    const s = d.scores.get(i.ref);
    const why = s ? s.signals.filter((r) => r.contribution > 0).slice(0, 3).map((r) => r.name.replace(/_/g, ' ')).join(', ') : '';
    return `<tr><td>${esc(e ? `${e.kind} ${e.name}` : i.ref)}</td><td>${e ? esc(e.key) : ''}</td><td${s?.knownBad ? ' class="bad"' : ''}>${s ? s.risk.toFixed(3) : '–'}${s?.knownBad ? ' known bad' : ''}</td><td>${esc(why)}</td><td>${esc(i.note ?? '')}</td></tr>`;
  });
  const ringRows = c.items.filter((i) => i.kind === 'ring').map((i) => {
    const r = d.rings.get(i.ref);
    return `<tr><td>${r ? `Ring #${r.rank}` : `community ${esc(i.ref)}`}</td><td>${r ? `${r.size} members, ${r.knownBad} known bad, risk ${r.risk.toFixed(2)}` : 'not in the current run'}</td><td>${esc(i.note ?? '')}</td></tr>`;
  });
  const declRows = c.items.filter((i) => i.kind === 'declaration').map((i) => {
    const x = d.declarations.get(i.ref);
    if (!x) return `<tr><td colspan="6">${esc(i.ref)} (no longer in the store)</td><td>${esc(i.note ?? '')}</td></tr>`;
    const bad = x.outcome === 'seizure' || x.outcome === 'discrepancy';
    return `<tr><td>${esc(x.declaration_id)}/${x.item_no}</td><td>${esc(x.lodged_at.slice(0, 10))}</td><td>HS ${esc(x.hs_code)} ${esc(x.goods_description ?? '')}</td>` +
      `<td>${esc(x.origin_country)}</td><td>${money(x.declared_value, x.currency)}</td><td${bad ? ' class="bad"' : ''}>${esc(x.outcome)}${x.fraud_type ? ` (${esc(x.fraud_type)})` : ''}${x.recovered_amount ? `, ${money(x.recovered_amount, x.currency)} recovered` : ''}</td><td>${esc(i.note ?? '')}</td></tr>`;
  });
  const table = (head: string[], rows: string[]) => (rows.length ? `<table><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr>${rows.join('')}</table>` : '<p>None.</p>');
  return `<article class="cg-case">
<h1>Case ${esc(c.id)}: ${esc(c.title)}</h1>
<p>Status <strong>${esc(status)}</strong> · opened ${esc(c.createdAt.slice(0, 16).replace('T', ' '))} by ${esc(c.createdBy)} · last changed ${esc(c.updatedAt.slice(0, 16).replace('T', ' '))}</p>
${d.picture ? `<h2>The case's graph</h2><img alt="The graph of the case" src="${esc(d.picture)}">` : ''}
<h2>Entities and their risk</h2>${table(['Entity', 'Key', 'Risk', 'Strongest reasons', 'Note'], entityRows)}
<h2>Rings</h2>${table(['Ring', 'Members', 'Note'], ringRows)}
<h2>Evidence declarations</h2>${table(['Declaration', 'Lodged', 'Goods', 'Origin', 'Value', 'Outcome', 'Note'], declRows)}
<h2>Notes</h2>${c.notes.length ? `<ul>${c.notes.map((n) => `<li>${esc(n.at.slice(0, 16).replace('T', ' '))}, ${esc(n.who)}: ${esc(n.text)}</li>`).join('')}</ul>` : '<p>None.</p>'}
<h2>History</h2><ol>${c.history.map((h) => `<li>${esc(h.at.slice(0, 16).replace('T', ' '))} · ${esc(h.who)} · ${esc(h.action)}: ${esc(h.detail)}</li>`).join('')}</ol>
</article>`;
}

export function caseReportHtml(d: CaseReportData): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>customs-graph case ${esc(d.c.id)}</title><style>${CASE_REPORT_CSS}</style></head><body>${caseReportBody(d)}</body></html>\n`;
}
