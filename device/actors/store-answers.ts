/**
 * How a store answer that is not the expected reply becomes a machine event: `error`s are
 * store faults the terminal retries later [FW-10]; unknown shapes are faults too.
 */
import type { DownMessage } from '../../sdk/wire/index.js';
import type { TerminalEvent } from '../machine/types.js';

export function unexpectedAnswer(answer: DownMessage, expected: string): TerminalEvent {
  if (answer.t === 'error') return { type: 'store.error', code: answer.code, message: answer.message };
  if (answer.t === 'refusal') return { type: 'store.refused', code: answer.code, message: answer.message };
  return { type: 'store.error', code: 'bad-request', message: `expected ${expected}, the store answered ${answer.t}` };
}
