/** How a refused input is named in a LedgerError: the first schema issue, at its path (or the subject's name). */
import type { z } from 'zod';

export function firstIssue(error: z.ZodError, subject: string): string {
  const issue = error.issues[0];
  return `${issue?.path.join('.') || subject}: ${issue?.message}`;
}
