/**
 * A checkpoint of a store's write-ahead log on a thread of its own. A run's write-back leaves
 * about 220 MB in the log at 1M entities; copying them into the store's file took the run 0.9 to
 * 1.2 s at the end of its write-back, while the second core stood idle and the run's last steps
 * (model card, alerts), which need none of it, waited. The store's connection makes no
 * checkpoint of its own meanwhile (two would only meet on SQLite's checkpoint lock), and closing
 * the store waits for it. Without the compiled worker (tests running the TypeScript sources) the
 * checkpoint is made on the connection itself, before this returns.
 */
import Database from 'better-sqlite3';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { compiledWorker, workerReply } from '../../util/worker-reply';

/** Log pages after which a commit checkpoints (SQLite's default): what a connection returns to after a large write, and after a checkpoint aside. */
export const AUTOCHECKPOINT_PAGES = 1000;

const WORKER_FILE = compiledWorker(__dirname, 'checkpoint-aside.js');

/** The checkpoint under way for a connection, if any. */
const underWay = new WeakMap<Database.Database, Promise<void>>();

/**
 * Starts a PASSIVE checkpoint of `db`'s log on a thread of its own (it waits for no reader or
 * writer, copying what it can). A failed one is dropped: the log stays, and the connection's
 * next commits checkpoint it as they always do.
 */
export function checkpointAside(db: Database.Database): void {
  if (!WORKER_FILE || db.memory || db.readonly) {
    db.pragma('wal_checkpoint(PASSIVE)');
    db.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
    return;
  }
  db.pragma('wal_autocheckpoint = 0');
  const previous = underWay.get(db) ?? Promise.resolve();
  const done = previous
    .then(() => workerReply<true>(WORKER_FILE, { checkpointOf: db.name }, 'checkpoint').result)
    .then(() => undefined, () => undefined)
    .finally(() => {
      if (underWay.get(db) !== done) return; // a later checkpoint restores it
      underWay.delete(db);
      if (db.open) db.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
    });
  underWay.set(db, done);
}

/** Settles when no checkpoint of `db` is under way (the store waits for it before closing). */
export async function checkpointsDone(db: Database.Database): Promise<void> {
  while (underWay.has(db)) await underWay.get(db);
}

function serve(path: string): void {
  const db = new Database(path);
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } finally {
    db.close();
  }
  parentPort!.postMessage(true);
}

if (!isMainThread && typeof (workerData as { checkpointOf?: unknown } | undefined)?.checkpointOf === 'string') {
  serve((workerData as { checkpointOf: string }).checkpointOf);
}
