/**
 * Column mappings: load a file from another customs system without preprocessing. A mapping
 * renames columns, derives fields (constants, joins, padding) and maps values; it is a JSON file
 * validated here with zod.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { MappingError } from '../util/errors';
import { DECLARATION_FIELDS, REQUIRED_FIELDS, isDeclarationField, type DeclarationField } from '../domain/fields';

const fieldSpec = z.union([
  z.string().min(1),
  z.object({
    /** Source column, or columns joined with `join`. */
    from: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
    const: z.string().optional(),
    join: z.string().default('/'),
    /** Value map, applied after join; keys are source values. */
    map: z.record(z.string(), z.string()).optional(),
    /** Result for a value missing from `map` (absent: keep the value as it is). */
    otherwise: z.string().optional(),
    /** Result when the source is empty. */
    default: z.string().optional(),
    /** Left-pad with zeros to this length (HS codes that lost their leading zero). */
    pad: z.number().int().positive().max(20).optional(),
  }).strict().refine((s) => (s.from === undefined) !== (s.const === undefined), 'give exactly one of "from" and "const"'),
]);

export const mappingSchema = z.object({
  description: z.string().optional(),
  /** Contract field → how to get it. */
  fields: z.record(z.string(), fieldSpec),
  /** Extra attributes kept with each declaration: name → source column. */
  attrs: z.record(z.string(), z.string().min(1)).default({}),
  /** Also take source columns that already carry a contract field's name. */
  passthrough: z.boolean().default(false),
}).strict();

export type Mapping = z.output<typeof mappingSchema>;
type FieldSpec = z.output<typeof fieldSpec>;


export function loadMapping(path: string): Mapping {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new MappingError(`mapping ${path}: ${(err as Error).message}`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json) || !('fields' in json)) {
    throw new MappingError(`mapping ${path} has no "fields": a mapping names, for each contract field, the column (or constant, join, map) it comes from, e.g. {"fields": {"declaration_id": "Declaration No", "currency": {"const": "KRW"}}}`);
  }
  const parsed = mappingSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new MappingError(`mapping ${path}: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
  }
  for (const field of Object.keys(parsed.data.fields)) {
    if (!isDeclarationField(field)) throw new MappingError(`mapping ${path}: "${field}" is not a declaration field`);
  }
  return parsed.data;
}

/** A record as read: CSV fields (aligned with the header) or an NDJSON object. */
export type SourceRow = readonly string[] | Record<string, unknown>;
type Getter = (src: SourceRow) => unknown;

export interface CompiledColumns {
  /** The record as an array aligned with DECLARATION_FIELDS, and the mapping's extra attributes. */
  toRow(src: SourceRow): { values: unknown[]; attrs?: Record<string, string> };
  /** Source columns nothing reads (warned about once). */
  unused: string[];
  /** Required contract fields that nothing provides. */
  missingRequired: DeclarationField[];
  /** Columns the mapping reads but the file lacks. */
  missingSources: string[];
}

/**
 * Compiles the way from a file's columns to contract fields. `header` is the CSV header, or
 * undefined for NDJSON (keys read as they come). Without a mapping, columns are taken by their
 * contract names (case and surrounding space ignored).
 */
export function compileColumns(header: readonly string[] | undefined, mapping?: Mapping): CompiledColumns {
  const used = new Set<string>();
  const missingSources: string[] = [];
  const getters: Array<Getter | undefined> = DECLARATION_FIELDS.map(() => undefined);
  const column = (name: string): Getter => {
    used.add(name);
    if (header === undefined) return (src) => (src as Record<string, unknown>)[name];
    const i = header.indexOf(name);
    if (i === -1) {
      missingSources.push(name);
      return () => undefined;
    }
    return (src) => (src as readonly string[])[i];
  };

  if (!mapping || mapping.passthrough) {
    DECLARATION_FIELDS.forEach((field, i) => {
      if (header === undefined) {
        getters[i] = (src) => (src as Record<string, unknown>)[field];
        return;
      }
      const col = header.find((c) => c.trim().toLowerCase() === field);
      if (col !== undefined) getters[i] = column(col);
    });
  }

  if (mapping) {
    for (const [field, spec] of Object.entries(mapping.fields)) {
      getters[DECLARATION_FIELDS.indexOf(field as DeclarationField)] = compileSpec(spec, column);
    }
  }
  const attrGetters = Object.entries(mapping?.attrs ?? {}).map(([name, c]) => [name, column(c)] as const);

  return {
    toRow(src) {
      const values = new Array<unknown>(getters.length);
      for (let i = 0; i < getters.length; i++) {
        const g = getters[i];
        if (g !== undefined) values[i] = g(src);
      }
      if (attrGetters.length === 0) return { values };
      const attrs: Record<string, string> = {};
      for (const [name, g] of attrGetters) {
        const v = str(g(src));
        if (v !== undefined) attrs[name] = v;
      }
      return { values, attrs };
    },
    unused: (header ?? []).filter((c) => !used.has(c)),
    missingRequired: REQUIRED_FIELDS.filter((f) => getters[DECLARATION_FIELDS.indexOf(f)] === undefined),
    missingSources: [...new Set(missingSources)],
  };
}

function compileSpec(spec: FieldSpec, column: (name: string) => Getter): Getter {
  if (typeof spec === 'string') return column(spec);
  if (spec.const !== undefined) {
    const c = spec.const;
    return () => c;
  }
  const sources = (Array.isArray(spec.from) ? spec.from : [spec.from as string]).map(column);
  return (src) => {
    const parts = sources.map((g) => str(g(src)));
    if (parts.every((p) => p === undefined)) return spec.default;
    let v = parts.map((p) => p ?? '').join(spec.join);
    if (spec.pad && /^\d+$/.test(v)) v = v.padStart(spec.pad, '0');
    if (spec.map) {
      const mapped = spec.map[v];
      if (mapped !== undefined) v = mapped;
      else if (spec.otherwise !== undefined) v = spec.otherwise;
    }
    return v === '' ? undefined : v;
  };
}

function str(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  const s = String(v).trim();
  return s === '' ? undefined : s;
}
