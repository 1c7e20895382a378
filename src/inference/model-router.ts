import { aliasChain, type GatewayConfig, type ProviderConfig } from '../config/app-config.js';

export interface Candidate {
  readonly provider: ProviderConfig;
  readonly model: string;
  readonly tier: number;
  readonly role: 'primary' | 'fallback';
}

export type Resolution = { ok: true; candidates: Candidate[] } | { ok: false; message: string };

/** Resolves a requested model to its ordered candidates, each with its derived tier, in one configuration version. */
export class ModelRouter {
  private readonly providers: Map<string, ProviderConfig>;

  constructor(private readonly config: Pick<GatewayConfig, 'providers' | 'aliases' | 'tiers'>) {
    this.providers = new Map(config.providers.map((p) => [p.name, p]));
  }

  /** Tier: override for provider/model, override for provider, the provider's own tier, its type's default. */
  tierOf(provider: ProviderConfig, model: string): number {
    const { overrides, defaults } = this.config.tiers;
    return overrides[`${provider.name}/${model}`] ?? overrides[provider.name] ?? provider.tier ?? defaults[provider.type] ?? 5;
  }

  resolve(requested: string): Resolution {
    const aliases = this.config.aliases;
    if (Object.hasOwn(aliases, requested)) return { ok: true, candidates: this.resolveAlias(requested) };
    const slash = requested.indexOf('/');
    if (slash > 0) {
      const provider = this.providers.get(requested.slice(0, slash));
      const model = requested.slice(slash + 1);
      if (provider && model) return { ok: true, candidates: [this.candidate(provider, model, 'primary')] };
    }
    const owners = this.config.providers.filter((p) => p.models.includes(requested));
    if (owners.length === 1) return { ok: true, candidates: [this.candidate(owners[0], requested, 'primary')] };
    if (owners.length > 1) {
      return {
        ok: false,
        message: `Model '${requested}' is listed by several providers (${owners.map((p) => p.name).join(', ')}); address it as provider/model.`,
      };
    }
    return {
      ok: false,
      message: `Model '${requested}' does not resolve to any configured alias or provider model.`,
    };
  }

  private resolveAlias(name: string): Candidate[] {
    const primary = aliasChain(this.config.aliases, name).terminal;
    const candidates = [this.candidate(this.providers.get(primary.provider)!, primary.model, 'primary')];
    for (const fallback of this.config.aliases[name].fallback) {
      const model = Object.hasOwn(this.config.aliases, fallback.model)
        ? aliasChain(this.config.aliases, fallback.model).terminal.model
        : fallback.model;
      if (candidates.some((c) => c.provider.name === fallback.provider && c.model === model)) continue;
      candidates.push(this.candidate(this.providers.get(fallback.provider)!, model, 'fallback'));
    }
    return candidates;
  }

  private candidate(provider: ProviderConfig, model: string, role: Candidate['role']): Candidate {
    return { provider, model, tier: this.tierOf(provider, model), role };
  }
}
