// Exact decimal arithmetic for cost: amounts, quantities and hours are held as integers of millionths
// (bigint), read from the decimal text the ERP or MES wrote (never from float arithmetic), multiplied
// exactly and rounded half away from zero once per product; money is rounded to cents once per element.
export type Micros = bigint;

const SCALE = 1_000_000n;
const DIGITS = 6;

/** The decimal a JSON number was written as (String gives the shortest text that reads back the same). */
export function micros(value: number, field: string): Micros {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`${field} must be a finite number, not ${JSON.stringify(value)}.`);
  const text = String(value);
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/.exec(text);
  if (!m) throw new Error(`${field} cannot be read as a decimal: ${text}.`);
  const [, sign, whole, fraction = '', exp = '0'] = m;
  // digits × 10^(shift) where shift counts decimal places to the right of the units.
  const digits = BigInt(whole + fraction);
  const shift = Number(exp) - fraction.length + DIGITS;
  let scaled: bigint;
  if (shift >= 0) scaled = digits * 10n ** BigInt(shift);
  else scaled = divRound(digits, 10n ** BigInt(-shift));
  return sign === '-' ? -scaled : scaled;
}

/** Integer division rounded half away from zero. */
export function divRound(n: bigint, d: bigint): bigint {
  if (d === 0n) throw new Error('division by zero');
  const negative = n < 0n !== d < 0n;
  const a = n < 0n ? -n : n;
  const b = d < 0n ? -d : d;
  const q = (a * 2n + b) / (b * 2n);
  return negative ? -q : q;
}

/** a × b, both in millionths, rounded to millionths. */
export const times = (a: Micros, b: Micros): Micros => divRound(a * b, SCALE);

/** a × b / c, all in millionths, with one rounding at the end. */
export const timesOver = (a: Micros, b: Micros, c: Micros): Micros => divRound(a * b, c);

/** Rounded to whole cents (still in millionths). */
export const toCents = (a: Micros): Micros => divRound(a, 10_000n) * 10_000n;

/** As a JSON number (exact for the figures a plant has: at most 15 significant digits). */
export function toNumber(a: Micros): number {
  const negative = a < 0n;
  const abs = negative ? -a : a;
  const whole = abs / SCALE;
  const fraction = (abs % SCALE).toString().padStart(DIGITS, '0').replace(/0+$/, '');
  return Number(`${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`);
}

/** variance / standard × 100, to 2 decimals; null when the standard is 0. */
export function percentOf(variance: Micros, standard: Micros): number | null {
  if (standard === 0n) return null;
  const hundredthsOfPct = divRound(variance * 10_000n, standard);
  return toNumber(hundredthsOfPct * 10_000n);
}

export const sum = (values: Iterable<Micros>): Micros => {
  let total = 0n;
  for (const v of values) total += v;
  return total;
};

/** Stored in bridge-store as decimal text of millionths (JSON has no bigint). */
export const stored = (a: Micros): string => a.toString();
export const restored = (text: string | undefined): Micros => (text === undefined ? 0n : BigInt(text));

export const ONE = SCALE;
export const SECONDS_PER_HOUR = 3600n * SCALE;
