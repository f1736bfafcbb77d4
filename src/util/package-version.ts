import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The version in package.json (two levels above src/util when run from sources, three from dist/src/util when built). */
export function packageVersion(): string {
  for (const up of [['..', '..'], ['..', '..', '..']]) {
    const path = join(__dirname, ...up, 'package.json');
    if (existsSync(path)) return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
  }
  return 'unknown';
}
