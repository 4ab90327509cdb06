import { z } from 'zod';

/**
 * A positive integer written in decimal digits only, as path and query parameters carry it:
 * `12` passes; `-1`, `1.5`, `1e3`, `0x10`, ` 7` and `` do not.
 */
export function positiveIntString(options: { max: number; description: string }) {
  return z
    .string()
    .regex(/^[1-9][0-9]*$/, 'must be a positive integer')
    .transform(Number)
    .pipe(z.number().int().max(options.max, `must be at most ${options.max}`))
    .describe(options.description);
}

/**
 * Path parameter `:id`: any positive integer in decimal digits. Ids past the column's range are
 * still integers, they just do not exist (404, decided by the repository).
 */
export const IdParamSchema = z
  .string()
  .max(400, 'id must be a positive integer')
  .regex(/^[1-9][0-9]*$/, 'id must be a positive integer')
  .transform(Number)
  .describe('Numeric id');

/**
 * Text a person typed: trimmed, well-formed Unicode, no control characters, and a length limit
 * counted in characters (code points), as the database's varchar counts them.
 */
export function text(options: { min: number; max: number }) {
  return z
    .string()
    .trim()
    .refine((value) => value.isWellFormed(), 'must be valid Unicode text')
    .refine((value) => !/\p{Cc}/u.test(value), 'must not contain control characters')
    .refine((value) => codePoints(value) >= options.min, `must be at least ${options.min} character(s)`)
    .refine((value) => codePoints(value) <= options.max, `must be at most ${options.max} characters`);
}

/** Length in Unicode code points, the unit of SQL's varchar(n), not UTF-16 units. */
export function codePoints(value: string): number {
  let count = 0;
  for (const _ of value) count++;
  return count;
}
