/**
 * Exact decimal numbers for the `sum` reduction of numeric strings, which Flow adds with
 * arbitrary precision and writes back as a string.
 */

/** `digits / 10^scale`, with `scale >= 0`. */
export interface Decimal {
  readonly digits: bigint
  readonly scale: number
}

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/

/** Exponents past this are refused rather than expanded into enormous integers. */
const MAX_EXPONENT = 4096

/**
 * The decimal a string spells (`12`, `-1.25`, `.5`, `3.`, `1e3`, `+2.5E-2`), or undefined when it
 * spells none or its exponent is beyond ±4096.
 */
export function parseDecimal(text: string): Decimal | undefined {
  const match = DECIMAL.exec(text)
  if (!match) return undefined
  const [, sign = '', whole = '', fraction = '', exponentText = '0'] = match
  if (whole === '' && fraction === '') return undefined
  const exponent = Number(exponentText)
  if (Math.abs(exponent) > MAX_EXPONENT) return undefined
  const magnitude = BigInt(`${whole}${fraction}`)
  return normalize(sign === '-' ? -magnitude : magnitude, fraction.length - exponent)
}

/** A number as a decimal, read from its shortest round-trip text (so 0.1 is exactly 1/10). */
export function decimalOfNumber(value: number): Decimal {
  return parseDecimal(String(value)) ?? { digits: 0n, scale: 0 }
}

/** Exact `a + b`, at the larger of the two scales. */
export function addDecimals(a: Decimal, b: Decimal): Decimal {
  const scale = Math.max(a.scale, b.scale)
  return { digits: a.digits * 10n ** BigInt(scale - a.scale) + b.digits * 10n ** BigInt(scale - b.scale), scale }
}

/** Plain notation, keeping the scale's digits after the point: `3.80`, `-0.5`, `1000`. */
export function formatDecimal(value: Decimal): string {
  const negative = value.digits < 0n
  const text = (negative ? -value.digits : value.digits).toString().padStart(value.scale + 1, '0')
  const whole = text.slice(0, text.length - value.scale)
  const fraction = value.scale > 0 ? `.${text.slice(text.length - value.scale)}` : ''
  return `${negative ? '-' : ''}${whole}${fraction}`
}

/** A negative scale moves into the digits. */
function normalize(digits: bigint, scale: number): Decimal {
  return scale >= 0 ? { digits, scale } : { digits: digits * 10n ** BigInt(-scale), scale: 0 }
}
