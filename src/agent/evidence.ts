import { describeError } from '../errors.ts';

/**
 * Collects what failed while gathering evidence, so an answer can say "runbooks unavailable" instead
 * of failing whole when one store or provider is down.
 */
export class Degradations {
  readonly notes: string[] = [];

  async attempt<T>(what: string, fallback: T, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      this.notes.push(`${what} unavailable: ${describeError(error)}`);
      return fallback;
    }
  }
}
