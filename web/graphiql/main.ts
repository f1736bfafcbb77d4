/**
 * The GraphQL IDE served at /graphql outside production: GraphiQL, bundled with its editor's
 * workers (scripts/build-web.js), so nothing is loaded from a CDN. It signs requests with the key
 * the explorer signed in with (same tab), or with the Authorization header typed in its headers pane.
 */
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import 'graphiql/style.css';

/** The explorer's session key (web/app.ts keeps it under this name). */
const EXPLORER_KEY = 'customs-graph-key';

// The editor's workers are bundled beside this file: one per language the editor speaks.
(globalThis as { MonacoEnvironment?: unknown }).MonacoEnvironment = {
  getWorker(_id: string, label: string): Worker {
    const file = label === 'json' ? 'json.worker.js' : label === 'graphql' ? 'graphql.worker.js' : 'editor.worker.js';
    return new Worker(new URL(file, document.baseURI));
  },
};

interface GraphQLParams { query: string; variables?: unknown; operationName?: string | null }

async function fetcher(params: GraphQLParams, opts?: { headers?: Record<string, unknown> }): Promise<unknown> {
  const key = sessionStorage.getItem(EXPLORER_KEY);
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) };
  for (const [name, value] of Object.entries(opts?.headers ?? {})) headers[name.toLowerCase()] = String(value);
  const res = await fetch('/graphql', { method: 'POST', headers, body: JSON.stringify(params) });
  return res.json();
}

const signedIn = sessionStorage.getItem(EXPLORER_KEY) !== null;
createRoot(document.getElementById('graphiql')!).render(createElement(GraphiQL, {
  fetcher: fetcher as never,
  defaultQuery: '# Signed in through the explorer; otherwise give the key in Headers below.\n{\n  viewer { name role }\n  currentRun { id status finishedAt }\n  rings(first: 5) { totalCount edges { node { id rank risk size } } }\n}\n',
  ...(signedIn ? {} : { defaultHeaders: '{\n  "Authorization": "Bearer "\n}' }),
}));
