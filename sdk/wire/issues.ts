/** Turns a schema validation failure into the SDK's typed error [FW-10.2]. */
import type { z } from 'zod';
import { FairwayError, type ErrorKind } from '../errors.js';

function kindOf(issue: z.core.$ZodIssue): ErrorKind {
  switch (issue.code) {
    case 'invalid_type': {
      const input = (issue as { input?: unknown }).input;
      if (input === undefined) return 'missing-field';
      // An integer past 2^53 decodes as a bigint: the type is right, the value is not.
      return typeof input === 'bigint' ? 'out-of-range' : 'wrong-type';
    }
    case 'unrecognized_keys':
      return 'unknown-field';
    case 'invalid_union':
    case 'invalid_key':
    case 'invalid_element':
      return 'wrong-type';
    case 'custom': {
      const kind = (issue.params as { kind?: ErrorKind } | undefined)?.kind;
      return kind ?? 'out-of-range';
    }
    default:
      return 'out-of-range';
  }
}

export function schemaError(error: z.ZodError, prefix = ''): FairwayError {
  const issue = error.issues[0];
  if (!issue) return new FairwayError('malformed', 'validation failed');
  let path = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') path = [path, issue.keys[0]].filter(Boolean).join('.');
  return new FairwayError(kindOf(issue), issue.message, [prefix, path].filter(Boolean).join('.') || undefined);
}

export function parseWith<S extends z.ZodType>(schema: S, value: unknown, prefix = ''): z.infer<S> {
  const result = schema.safeParse(value, { reportInput: true });
  if (!result.success) throw schemaError(result.error, prefix);
  return result.data;
}
