import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';

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

/** USD cost of a completion from `prices` (per million tokens), as an exact decimal string. */
@Injectable()
export class Pricing {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** null when the model has no price or tokens are unknown; never a guessed 0. */
  cost(provider: string, model: string, tokensIn: number | null, tokensOut: number | null): string | null {
    const price = this.config.prices[`${provider}/${model}`];
    if (!price || tokensIn === null || tokensOut === null) return null;
    const units = toUnits(price.input) * BigInt(tokensIn) + toUnits(price.output) * BigInt(tokensOut);
    return formatUnits(divideHalfEven(units, 1_000_000n));
  }
}
