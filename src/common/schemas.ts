import { z } from 'zod';

/**
 * Every rule here is one JSON Schema can carry (`minLength`, `maxLength`, `pattern`, `minimum`,
 * `maximum`), so the OpenAPI document states exactly what the validation pipe accepts: no
 * `.refine()`, which JSON Schema cannot see. Zod counts string lengths in code points, as JSON
 * Schema does (and as the database's varchar does).
 * src/common/schemas.spec.ts proves pipe and document agree value by value.
 */

/** Decimal digits without a leading zero: what the integer path and query parameters accept. */
const POSITIVE_DIGITS = /^[1-9][0-9]*$/;

/**
 * A positive integer in a path or query parameter. On the wire it is text, checked strictly
 * (`12` passes; `-1`, `1.5`, `1e3`, `0x10`, ` 7`, `01` and `` do not) and then turned into a
 * number. The document describes the value it stands for: `type: integer` with its bounds.
 */
export function integerParam(options: {
  max?: number;
  maxDigits?: number;
  name?: string;
  description: string;
  /** Left out where Swagger UI's Try it out must not fill it in (see PageQuerySchema's `limit`). */
  example?: number;
}) {
  const { max, maxDigits = 16, name, description, example } = options;
  const message = `${name ? `${name} ` : ''}must be a positive integer`;
  // Without a maximum any digits pass (a huge id is an integer too, one that does not exist).
  const number = max === undefined ? z.number() : z.number().max(max, `must be at most ${max}`);
  const schema = z.string().max(maxDigits, message).regex(POSITIVE_DIGITS, message).transform(Number).pipe(number);
  // Zod would describe the text (a string with a pattern); clients and contract testers need the
  // integer it stands for. Zod's documented override hook. It replaces the whole conversion, so
  // the description rides on it (a `.meta()` clone would not carry the hook).
  // oxlint-disable-next-line no-underscore-dangle -- `_zod.toJSONSchema` is the hook's name in Zod's API
  schema._zod.toJSONSchema = () => ({
    type: 'integer',
    minimum: 1,
    ...(max === undefined ? {} : { maximum: max }),
    description: `${description}; written in decimal digits, no sign or leading zero`,
    ...(example === undefined ? {} : { example }),
  });
  return schema;
}

/**
 * Path parameter `:id`: any positive integer. Ids past the column's range are still integers,
 * they just do not exist (404, decided by the repository); more than 400 digits are a 400.
 */
export const IdParamSchema = integerParam({
  maxDigits: 400,
  name: 'id',
  description: 'Numeric id, from 1',
  example: 1,
});

/*
 * The patterns below mean the same with and without the `u` flag: Ajv compiles document patterns
 * as Unicode regexps, Spectral (and other tools) as plain ones, where `\p{…}` would be read as
 * literal letters. So control characters and surrogates are spelled as ranges, and an astral
 * character is allowed as a surrogate pair (one code point with `u`, two units without), while a
 * lone surrogate matches neither.
 */
/** The C0 and C1 control characters (Unicode category Cc). */
const CONTROL = String.raw`\u0000-\u001F\u007F-\u009F`;
/** An astral character as its surrogate pair. */
const PAIR = String.raw`[\uD800-\uDBFF][\uDC00-\uDFFF]`;
/** A character that may start or end typed text: not whitespace, not a control character, not a lone surrogate. */
const VISIBLE = String.raw`(?:[^\s${CONTROL}\uD800-\uDFFF]|${PAIR})`;
/** Whitespace inside typed text: spaces, not line breaks or tabs (those are control characters). */
const INNER_SPACE = String.raw`[^\S${CONTROL}]`;

/**
 * Typed text as sent: optional surrounding whitespace (trimmed away), then at least one visible
 * character, with no control characters or lone surrogates inside. Written without overlapping
 * alternatives so matching stays linear in the length of the input.
 */
export const TYPED_TEXT = new RegExp(String.raw`^\s*${VISIBLE}+(?:${INNER_SPACE}+${VISIBLE}+)*\s*$`, 'u');

/**
 * `local@domain` as sent: optional surrounding whitespace (trimmed away), no whitespace, control
 * characters or lone surrogates inside, exactly one `@` with something on both sides.
 */
const EMAIL_PART = String.raw`(?:[^\s@${CONTROL}\uD800-\uDFFF]|${PAIR})+`;
export const EMAIL_SHAPE = new RegExp(String.raw`^\s*${EMAIL_PART}@${EMAIL_PART}\s*$`, 'u');

/**
 * Text a person typed: at most `max` characters (code points) as sent, well-formed Unicode with no
 * control characters and not blank, then trimmed; at least `min` characters once trimmed.
 */
export function text(options: { min: number; max: number }) {
  return z
    .string()
    .max(options.max, `must be at most ${options.max} characters`)
    .regex(TYPED_TEXT, 'must be text: not blank, no control characters, valid Unicode')
    .trim()
    .min(options.min, `must be at least ${options.min} character(s)`);
}

/**
 * Prose (a post body): well-formed Unicode; of the control characters only tab, line feed and
 * carriage return. The alternatives never overlap, so matching stays linear.
 */
export const PROSE = new RegExp(String.raw`^(?:[^${CONTROL}\uD800-\uDFFF]|[\t\n\r]|${PAIR})*$`, 'u');
