import { formatCount } from '../../text.js'

/**
 * The monitors' statistics: tail probabilities of counts, computed in log space so a busy hour
 * (thousands of attempts) neither overflows nor underflows. Plain, explainable arithmetic: a
 * monitor says "this many would happen less than 1 time in 1,000 at the usual rate".
 */

/** ln(n!) by Stirling's series past 20 (exact enough for tail probabilities). */
function logFactorial(n: number): number {
  if (n < 2) return 0
  if (n <= 20) {
    let sum = 0
    for (let i = 2; i <= n; i++) sum += Math.log(i)
    return sum
  }
  return n * Math.log(n) - n + 0.5 * Math.log(2 * Math.PI * n) + 1 / (12 * n) - 1 / (360 * n ** 3)
}

/** Sums probabilities given as logarithms, without overflow. */
function logSumExp(logs: readonly number[]): number {
  const max = Math.max(...logs)
  if (!Number.isFinite(max)) return max
  let sum = 0
  for (const l of logs) sum += Math.exp(l - max)
  return max + Math.log(sum)
}

/** ln C(n, i). */
function logChoose(n: number, i: number): number {
  return logFactorial(n) - logFactorial(i) - logFactorial(n - i)
}

/**
 * P(X ≥ k) from the log-probabilities `term(i)` of a count, summed from `k` up to `last`: past the
 * mean, once a term is e^-40 below the first, the rest no longer count.
 */
function upperTail(k: number, last: number, mean: number, term: (i: number) => number): number {
  const logs: number[] = []
  for (let i = k; i <= last; i++) {
    const t = term(i)
    logs.push(t)
    if (i > mean && t < logs[0]! - 40) break
  }
  return Math.min(1, Math.exp(logSumExp(logs)))
}

/** P(X = 0) for a Poisson count with mean `mean`: the chance of an empty stretch. */
export function poissonZero(mean: number): number {
  return Math.exp(-Math.max(0, mean))
}

/** P(X ≥ k) for a Poisson count with mean `mean`. */
export function poissonAtLeast(k: number, mean: number): number {
  if (k <= 0) return 1
  if (mean <= 0) return 0
  // P(X ≥ k) = 1 − P(X ≤ k − 1); summed from the side that is small, for precision.
  const term = (i: number) => i * Math.log(mean) - mean - logFactorial(i)
  if (k > mean) return upperTail(k, k + 999, mean, term)
  const below: number[] = []
  for (let i = 0; i < k; i++) below.push(term(i))
  return Math.max(0, 1 - Math.exp(logSumExp(below)))
}

/** P(X ≥ k) for a binomial count of `n` trials with success probability `p`. */
export function binomialAtLeast(k: number, n: number, p: number): number {
  if (k <= 0) return 1
  if (k > n) return 0
  if (p <= 0) return 0
  if (p >= 1) return 1
  return upperTail(k, n, n * p, (i) => logChoose(n, i) + i * Math.log(p) + (n - i) * Math.log1p(-p))
}

/**
 * P(X ≥ k) for a hypergeometric count: `draws` taken without replacement from `population` of which
 * `successes` count. One-sided Fisher's exact test: of all the declines in the hours compared, how
 * likely that at least `k` fell in the last window, were its share of declines the same as the
 * weeks'. Unlike a binomial at the weeks' share, it knows that share was itself estimated from a
 * few declines a week.
 */
export function hypergeometricAtLeast(k: number, population: number, successes: number, draws: number): number {
  const top = Math.min(draws, successes)
  if (k <= Math.max(0, draws - (population - successes))) return 1
  if (k > top) return 0
  const whole = logChoose(population, draws)
  return upperTail(k, top, (draws * successes) / population, (i) => logChoose(successes, i) + logChoose(population - successes, draws - i) - whole)
}

/** A probability as people read it: "1 in 2,300", "below 1 in a million". */
export function oneIn(probability: number): string {
  if (!(probability > 0)) return 'below 1 in a billion'
  const n = 1 / probability
  if (n >= 1e9) return 'below 1 in a billion'
  if (n >= 1e6) return `1 in ${formatCount(Math.round(n / 1e6))} million`
  const rounded = n >= 1000 ? Math.round(n / 100) * 100 : n >= 100 ? Math.round(n / 10) * 10 : Math.round(n)
  return `1 in ${formatCount(rounded)}`
}
