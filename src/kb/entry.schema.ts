import { z } from 'zod'
import { CATEGORIES, PLATFORMS, SEVERITIES } from './taxonomy.ts'

const text = (min: number) => z.string().trim().min(min)
const slugRe = /^[a-z0-9]+(?:-[a-z0-9]+)*$/

/**
 * A step of the quick-diagnosis tree points to another question (`node:<id>`), a fix step of
 * this entry (`fix:<n>`, 1-based) or another entry (`entry:<slug>`).
 */
export const DiagnosisTargetSchema = z
  .string()
  .regex(/^(node:[a-z0-9-]+|fix:[1-9][0-9]*|entry:[a-z0-9-]+)$/, {
    message: 'must be node:<id>, fix:<n> or entry:<slug>',
  })

export const DiagnosisNodeSchema = z
  .object({
    /** Id of this question, referenced as `node:<id>`. */
    id: z.string().regex(slugRe, { message: 'must be lower-case words joined by hyphens' }),
    /** A yes/no question the reader can answer from what they see. */
    question: text(10),
    /** Where a "yes" leads. */
    yes: DiagnosisTargetSchema,
    /** Where a "no" leads. */
    no: DiagnosisTargetSchema,
  })
  .strict()

export const MatchSchema = z
  .object({
    /** Error codes that identify this entry exactly (the entry's `codes` always count too). */
    codes: z.array(text(2)).default([]),
    /** HTTP statuses that, together with a code or pattern, strengthen a match. */
    httpStatus: z.array(z.number().int().min(100).max(599)).default([]),
    /**
     * Case-insensitive regular expressions over the raw text, for errors that carry no code.
     * Must be linear-time (no nested quantifiers): `kb check` rejects the rest.
     */
    patterns: z.array(text(4)).default([]),
    /**
     * The entry's codes are generic wrappers (ModelRefresh_ShortMessage_ProcessingError,
     * DM_GWPipeline_Gateway_MashupDataAccessError, OLE DB 0x80040E4E): when a more specific entry
     * matches the inner message, that entry wins and this code is named in the context.
     */
    wrapper: z.boolean().default(false),
  })
  .strict()

export const FaqSchema = z
  .object({
    /** A question a person with this error asks. */
    q: text(10),
    /** The answer, written for this error (no boilerplate shared with other entries). */
    a: text(20),
  })
  .strict()

/** The frontmatter of one error-reference entry (kb/entries/<platform>/<slug>.md). */
export const EntrySchema = z
  .object({
    /** Permanent id, used in URLs (/errors/<slug>); never renamed once published. */
    slug: z.string().regex(slugRe, { message: 'must be lower-case words joined by hyphens' }),
    /** The error's name and, in a few words, what happened. */
    title: text(5),
    /** Real error codes or names this entry covers, exactly as they appear in error texts. */
    codes: z.array(text(2)).default([]),
    /** Where each code was seen: official page or public issue URL with a short note. */
    seenIn: z.array(text(10)).default([]),
    /** Where the error comes from. */
    platform: z.enum(PLATFORMS),
    /** The category of the root cause a person must fix (taxonomy.md). */
    category: z.enum(CATEGORIES),
    /** How bad it is for the people who rely on the data, by default. */
    severity: z.enum(SEVERITIES),
    /** What it means, in two to four sentences. */
    summary: text(40),
    /** Common causes, most likely first. */
    causes: z.array(text(15)).min(3),
    /** How to fix it: ordered steps. `{server}`-style placeholders are filled from the diagnosis context. */
    fixes: z.array(text(15)).min(3),
    /** Questions people ask about this error. */
    faq: z.array(FaqSchema).min(2),
    /** How raw error texts are recognised as this entry. */
    match: MatchSchema.default({}),
    /** The raw error exactly as a user sees it. */
    example: text(10),
    /** Optional quick-diagnosis decision tree; the first node is the root. */
    diagnosis: z.array(DiagnosisNodeSchema).min(1).optional(),
    /** Official documentation (https). */
    references: z
      .array(z.string().url().startsWith('https://', { message: 'must be an https URL' }))
      .min(1),
    /** Related entries beyond those of the same category. */
    related: z.array(z.string().regex(slugRe)).default([]),
  })
  .strict()

export type EntryFrontmatter = z.infer<typeof EntrySchema>

/** A loaded entry: its frontmatter plus the Markdown body and where it came from. */
export interface Entry extends EntryFrontmatter {
  /** Markdown body: details beyond the summary (may be empty). */
  readonly body: string
  /** Path of the content file, relative to the repository root. */
  readonly file: string
}
