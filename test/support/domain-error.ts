import { DomainError } from '../../src/common/domain-error.js';

/**
 * The DomainError that `run` throws, so that a spec can assert its status, code and every pointer.
 * @throws the error itself when it is not a DomainError; an Error when `run` throws nothing
 */
export function domainError(run: () => unknown): DomainError {
  try {
    run();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a DomainError');
}
