/**
 * A large store for the analysis benchmark, written straight into SQLite (the ingest path has its
 * own benchmark). At scale 1: 250k traders and about 1M entities; 4M declarations whose distinct
 * trader–counterpart pairs plus shared identifiers give an entity graph of about 5M edges.
 * Counterparts are drawn from bands near each trader so the graph has community structure.
 */
import Database from 'better-sqlite3';
import { SqliteGraphStore } from '../src/store/sqlite/sqlite-store';
import { Rng } from '../src/util/rng';

export interface FixtureSize {
  traders: number;
}

export function buildAnalysisFixture(path: string, scale: number, seed = 1): { traders: number; declarations: number } {
  const store = new SqliteGraphStore(path);
  store.migrateSync();
  store.db.close();
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -262144');
  const rng = new Rng(seed);
  const T = Math.round(250_000 * scale);
  const pools = {
    Supplier: Math.round(200_000 * scale), Consignee: Math.round(150_000 * scale), Broker: Math.max(20, Math.round(5_000 * scale)),
    Carrier: 100, Route: Math.max(50, Math.round(3_000 * scale)), Phone: Math.round(120_000 * scale), BankAccount: Math.round(100_000 * scale),
    Email: Math.round(100_000 * scale), Address: Math.round(60_000 * scale), Person: Math.round(60_000 * scale),
  } as const;
  const insertEntity = db.prepare('INSERT INTO entities (id, kind, key, name) VALUES (?, ?, ?, ?)');
  const ids: Record<string, number> = {};
  let next = 1;
  db.transaction(() => {
    ids.Trader = next;
    for (let i = 0; i < T; i++) insertEntity.run(next++, 'Trader', `T${i}`, `Trader ${i}`);
    for (const [kind, n] of Object.entries(pools)) {
      ids[kind] = next;
      for (let i = 0; i < n; i++) insertEntity.run(next++, kind, `${kind[0]}${i}`, `${kind} ${i}`);
    }
  })();
  /** A counterpart near trader t in a pool of n (band of 1% of the pool), so neighbours share them. */
  const near = (kind: keyof typeof pools, t: number) => {
    const n = pools[kind];
    const centre = Math.floor((t / T) * n);
    const band = Math.max(3, Math.round(n * 0.002));
    return ids[kind]! + ((centre + rng.int(band) + n) % n);
  };
  const insertEdge = db.prepare('INSERT OR IGNORE INTO edges (src, type, dst) VALUES (?, ?, ?)');
  const insertDecl = db.prepare(`INSERT INTO declarations (declaration_id, item_no, lodged_at, regime, trader_ref, consignee_ref,
    supplier_ref, broker_ref, carrier_ref, route_ref, origin_country, hs_code, quantity, declared_value, currency, outcome, declared)
    VALUES (?, 1, ?, 'IM', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'MAD', ?, '[]')`);
  const hs = ['610910', '620342', '640299', '851712', '870899', '720839', '940360', '392690'];
  let declarations = 0;
  const chunk = 5_000;
  for (let start = 0; start < T; start += chunk) {
    db.transaction(() => {
      for (let t = start; t < Math.min(T, start + chunk); t++) {
        const trader = ids.Trader! + t;
        for (const [kind, rel] of [['Phone', 'HAS_PHONE'], ['BankAccount', 'HAS_ACCOUNT'], ['Email', 'HAS_EMAIL'], ['Address', 'AT_ADDRESS']] as const) {
          insertEdge.run(trader, rel, near(kind, t));
        }
        insertEdge.run(near('Person', t), 'DIRECTS', trader);
        const own = {
          s: [0, 1, 2, 3, 4].map(() => near('Supplier', t)), b: [0, 1, 2].map(() => near('Broker', t)),
          c: [ids.Carrier! + rng.int(pools.Carrier), ids.Carrier! + rng.int(pools.Carrier)],
          r: [0, 1, 2].map(() => near('Route', t)), k: [0, 1].map(() => near('Consignee', t)),
        };
        const bad = rng.chance(0.03);
        for (let k = 0; k < 16; k++) {
          const month = 1 + rng.int(12);
          const qty = 100 + rng.int(5000);
          insertDecl.run(`B${declarations}`, `2025-${String(month).padStart(2, '0')}-${String(1 + rng.int(28)).padStart(2, '0')}`, trader,
            own.k[k % 2], own.s[k % 5], own.b[k % 3], own.c[k % 2], own.r[k % 3], 'CN', hs[(t + k) % hs.length], qty,
            qty * (bad ? 20 : 60) * (0.8 + rng.next() * 0.4), rng.chance(0.06) ? (bad && rng.chance(0.5) ? 'seizure' : 'clear') : 'unknown');
          declarations++;
        }
      }
    })();
  }
  db.close();
  const reopened = new SqliteGraphStore(path);
  reopened.migrateSync(); // builds the party indexes once
  reopened.db.close();
  return { traders: T, declarations };
}

/**
 * A day's load on a benchmark store: `declarations` new declarations lodged on `day` by random
 * traders with counterparts near them (as the fixture draws them), and control outcomes recorded
 * for `outcomes` earlier declarations that had none. Written straight into SQLite, as the fixture is.
 */
export function appendDay(path: string, opts: { day: string; declarations: number; outcomes: number; seed?: number }): void {
  const db = new Database(path);
  const rng = new Rng(opts.seed ?? 2);
  const ranges = new Map<string, { lo: number; n: number }>();
  const range = (kind: string) => {
    if (!ranges.has(kind)) ranges.set(kind, db.prepare('SELECT MIN(id) AS lo, COUNT(*) AS n FROM entities WHERE kind = ?').get(kind) as { lo: number; n: number });
    return ranges.get(kind)!;
  };
  const traders = range('Trader');
  const near = (kind: string, t: number) => {
    const { lo, n } = range(kind);
    const band = Math.max(3, Math.round(n * 0.002));
    return lo + ((Math.floor((t / traders.n) * n) + rng.int(band) + n) % n);
  };
  const insert = db.prepare(`INSERT INTO declarations (declaration_id, item_no, lodged_at, regime, trader_ref, consignee_ref,
    supplier_ref, broker_ref, carrier_ref, route_ref, origin_country, hs_code, quantity, declared_value, currency, outcome, declared)
    VALUES (?, 1, ?, 'IM', ?, ?, ?, ?, ?, ?, 'CN', ?, ?, ?, 'MAD', 'unknown', '[]')`);
  const hs = ['610910', '620342', '640299', '851712', '870899', '720839', '940360', '392690'];
  const carriers = range('Carrier');
  db.transaction(() => {
    for (let k = 0; k < opts.declarations; k++) {
      const t = rng.int(traders.n);
      const qty = 100 + rng.int(5000);
      insert.run(`D${opts.day}-${k}`, opts.day, traders.lo + t, near('Consignee', t), near('Supplier', t), near('Broker', t),
        carriers.lo + rng.int(carriers.n), near('Route', t), hs[(t + k) % hs.length], qty, qty * 60 * (0.8 + rng.next() * 0.4));
    }
    const unknown = db.prepare("SELECT id FROM declarations WHERE outcome = 'unknown' AND lodged_at >= '2025-12-01' LIMIT ?").pluck().all(opts.outcomes * 20) as number[];
    const record = db.prepare("UPDATE declarations SET outcome = ? WHERE id = ?");
    for (let k = 0; k < opts.outcomes && unknown.length > 0; k++) {
      record.run(rng.chance(0.1) ? 'seizure' : 'clear', unknown.splice(rng.int(unknown.length), 1)[0]);
    }
  })();
  db.close();
}
