import Stripe from 'stripe'
import { RateLimitExhaustedError, backoffDelay, withRetries, type RetryOptions } from '../../src/stripe/retry.js'
import { redacting } from '../../src/io.js'
import { recorder } from '../../test-support/recorder.js'

const options: RetryOptions = { maxRetries: 3, baseDelayMs: 1000, maxDelayMs: 8000 }

function rateLimitError(retryAfter?: string): Error {
  return new Stripe.errors.StripeRateLimitError({
    type: 'invalid_request_error',
    message: 'Too many requests',
    statusCode: 429,
    headers: retryAfter === undefined ? {} : { 'retry-after': retryAfter }
  } as never)
}

describe('backoffDelay', () => {
  it('honours Retry-After, capped', () => {
    expect(backoffDelay(1, '2', options)).toBe(2000)
    expect(backoffDelay(1, '600', options)).toBe(8000)
  })
  it('grows exponentially with jitter between half and all of the ceiling', () => {
    expect(backoffDelay(1, undefined, options, () => 0)).toBe(500)
    expect(backoffDelay(1, undefined, options, () => 1)).toBe(1000)
    expect(backoffDelay(3, undefined, options, () => 1)).toBe(4000)
    expect(backoffDelay(10, undefined, options, () => 0.5)).toBe(6000)
  })
})

describe('withRetries', () => {
  it('retries 429s and returns the eventual answer', async () => {
    const waits: number[] = []
    let calls = 0
    const result = await withRetries(
      async () => {
        if (++calls < 3) throw rateLimitError('1')
        return 'ok'
      },
      { ...options, sleep: async (ms) => void waits.push(ms) }
    )
    expect(result).toBe('ok')
    expect(calls).toBe(3)
    expect(waits).toEqual([1000, 1000])
  })

  it('gives up after maxRetries with a clear error', async () => {
    let calls = 0
    await expect(
      withRetries(
        async () => {
          calls++
          throw rateLimitError()
        },
        { ...options, sleep: async () => {} }
      )
    ).rejects.toThrow(RateLimitExhaustedError)
    expect(calls).toBe(4)
  })

  it('does not retry other errors', async () => {
    let calls = 0
    const error = new Error('boom')
    await expect(
      withRetries(async () => {
        calls++
        throw error
      }, options)
    ).rejects.toBe(error)
    expect(calls).toBe(1)
  })
})

describe('redacting', () => {
  it('removes every registered secret from messages, outputs and the summary', async () => {
    const r = recorder({})
    const io = redacting(r)
    io.setSecret('postgres://u:hunter22@h/db')
    io.setSecret('hunter22')
    io.info('connect postgres://u:hunter22@h/db failed')
    io.setFailed('password hunter22 rejected')
    io.setOutput('x', 'hunter22')
    await io.writeSummary('pw hunter22')
    expect(r.everything()).not.toContain('hunter22')
    expect(r.logs[0]).toBe('connect *** failed')
    expect(r.secrets).toEqual(['postgres://u:hunter22@h/db', 'hunter22'])
  })

  it('removes a weak password only where it stands as a password, never rewriting numbers, JSON or links', async () => {
    const r = recorder({})
    const io = redacting(r)
    io.setWeakSecret('1000')
    io.setWeakSecret('test')
    io.info('could not connect to postgres://monitor:1000@db.example.com/x (password=1000)')
    io.setOutput('totals', '{"usd":{"amount_minor":1000,"amount":"10.00"}}')
    io.setOutput('link', 'https://dashboard.stripe.com/test/payments/ch_1')
    expect(r.logs[0]).toBe('could not connect to postgres://monitor:***@db.example.com/x (password=***)')
    expect(JSON.parse(r.outputs.totals!)).toEqual({ usd: { amount_minor: 1000, amount: '10.00' } })
    expect(r.outputs.link).toBe('https://dashboard.stripe.com/test/payments/ch_1')
    expect(r.secrets).toEqual([])
  })
})
