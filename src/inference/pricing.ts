import type { GatewayConfig } from '../config/app-config.js';
import type { Usage } from './openai.types.js';

const SCALE = 12; // decimals kept in the numeric(20,12) column

/** A non-negative decimal as an integer count of 10^-SCALE units, exactly (no binary float drift). */
function toUnits(value: number): bigint {
  const [intPart, frac = ''] = value.toFixed(SCALE).split('.');
  return BigInt(intPart) * 10n ** BigInt(SCALE) + BigInt(frac.padEnd(SCALE, '0').slice(0, SCALE));
}

function formatUnits(units: bigint): string {
  const digits = units.toString().padStart(SCALE + 1, '0');
  return `${digits.slice(0, -SCALE)}.${digits.slice(-SCALE)}`;
}

/** Divides rounding half to even. */
function divideHalfEven(numerator: bigint, denominator: bigint): bigint {
  const quotient = numerator / denominator;
  const remainder = numerator % denominator;
  const twice = remainder * 2n;
  if (twice > denominator || (twice === denominator && quotient % 2n === 1n)) return quotient + 1n;
  return quotient;
}

/** The part of a completion's input tokens that was read from, or written to, a prompt cache. */
export interface CacheTokens {
  readonly read: number;
  readonly write: number;
}

export const NO_CACHE: CacheTokens = Object.freeze({ read: 0, write: 0 });

function count(value: unknown): number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : 0;
}

/** The cache counts an OpenAI-shaped usage carries in `prompt_tokens_details` (see PromptTokensDetails). */
export function cacheTokens(usage: Usage | null | undefined): CacheTokens {
  const details = usage?.prompt_tokens_details;
  if (!details || typeof details !== 'object') return NO_CACHE;
  return { read: count(details.cached_tokens), write: count(details.cache_write_tokens) };
}

/** USD cost of a completion from `prices` (per million tokens) of one configuration version, as an exact decimal string. */
export class Pricing {
  constructor(private readonly config: Pick<GatewayConfig, 'prices'>) {}

  /**
   * null when the model has no price or tokens are unknown; never a guessed 0. `tokensIn` counts every
   * input token; of them, `cache.read` cost the `cache_read` price and `cache.write` the `cache_write`
   * price (each the `input` price when not given). Cache counts larger than `tokensIn` are capped at it.
   * One rounding, at the end.
   */
  cost(
    provider: string,
    model: string,
    tokensIn: number | null,
    tokensOut: number | null,
    cache: CacheTokens = NO_CACHE,
  ): string | null {
    const price = this.config.prices[`${provider}/${model}`];
    if (!price || tokensIn === null || tokensOut === null) return null;
    const read = Math.min(cache.read, tokensIn);
    const write = Math.min(cache.write, tokensIn - read);
    const input = toUnits(price.input);
    const units =
      input * BigInt(tokensIn - read - write) +
      toUnits(price.cache_read ?? price.input) * BigInt(read) +
      toUnits(price.cache_write ?? price.input) * BigInt(write) +
      toUnits(price.output) * BigInt(tokensOut);
    return formatUnits(divideHalfEven(units, 1_000_000n));
  }
}
