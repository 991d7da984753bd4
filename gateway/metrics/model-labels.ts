/**
 * Which model names may appear as a metric label. A key allowing every model (`*`) forwards any
 * name a client sends, so labelling by the request would let one tenant mint unbounded series
 * (`openai/junk-1`, `openai/junk-2`, …) and crowd real models out. Only names the operator
 * configured (key `models` lists and alias names, i.e. `GET /v1/models`), the bundled price
 * book's exact model names and control-plane price entries for that provider keep their own label; every
 * other name is `other`. The sets are built once per snapshot and provider.
 */
import { cataloguedModels } from '../snapshot/served-models.ts';
import type { CompiledSnapshot } from '../core/compiled-snapshot.ts';

export class KnownModels {
  private snapshot: CompiledSnapshot | undefined;
  private byProvider = new Map<string, ReadonlySet<string>>();

  constructor(private readonly current: () => CompiledSnapshot) {}

  has(provider: string, model: string): boolean {
    const snapshot = this.current();
    if (snapshot !== this.snapshot) {
      this.snapshot = snapshot;
      this.byProvider = new Map();
    }
    let known = this.byProvider.get(provider);
    if (known === undefined) {
      known = modelsOf(snapshot, provider);
      this.byProvider.set(provider, known);
    }
    return known.has(model);
  }
}

function modelsOf(snapshot: CompiledSnapshot, provider: string): ReadonlySet<string> {
  const models = new Set(cataloguedModels(snapshot, provider));
  for (const entry of snapshot.modelList) if (entry.provider === provider) models.add(entry.model);
  return models;
}
