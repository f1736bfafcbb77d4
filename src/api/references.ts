/** The entity or declaration a typed reference points at (a case's item, an alert's evidence): null when it is of another kind, or gone. */
import type { ApiContext } from './context';
import { declarationOut, gqlEntity } from './shapes';

type Reference = { kind: string; __ref: string };

export const referenceTargets = {
  async entity(r: Reference, _: unknown, ctx: ApiContext) {
    if (r.kind.toLowerCase() !== 'entity') return null;
    const e = await ctx.loaders.entity.load(r.__ref);
    return e ? gqlEntity(e) : null;
  },
  async declaration(r: Reference, _: unknown, ctx: ApiContext) {
    if (r.kind.toLowerCase() !== 'declaration') return null;
    const d = await ctx.loaders.declaration.load(r.__ref);
    return d ? declarationOut(d) : null;
  },
};
