import { isPowerBiError, type PowerBiError } from '../../src/sources/powerbi/errors.ts'

/** Awaits a call that must fail with a PowerBiError and returns it; anything else fails the test. */
export async function failure(promise: Promise<unknown>): Promise<PowerBiError> {
  try {
    await promise
  } catch (err) {
    if (isPowerBiError(err)) return err
    throw err
  }
  throw new Error('expected a PowerBiError')
}
