/** A text argument as people type it: controls stripped, trimmed, required or not, bounded. */
import { stripControls } from '../domain/normalize';
import { badInput } from './errors';

export function textArg(value: unknown, name: string, max: number, required: boolean): string | undefined {
  const t = typeof value === 'string' ? stripControls(value).trim() : '';
  if (!t) {
    if (required) throw badInput(`${name} is required`, { argument: name });
    return undefined;
  }
  if (t.length > max) throw badInput(`${name} must have at most ${max} characters`, { argument: name });
  return t;
}
