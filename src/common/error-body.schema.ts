import { z } from 'zod';

/** Every error response, as the filter writes it and the OpenAPI document describes it (`ErrorBody`). */
export const ErrorBodySchema = z
  .object({
    statusCode: z.int().min(400).max(599).describe('The HTTP status, repeated'),
    error: z.string().describe('The status text, e.g. "Not Found"'),
    message: z.string().describe('What went wrong, for people'),
    requestId: z.string().optional().describe('The X-Request-Id of the request, to find it in the logs'),
    field: z.string().optional().describe('409: which unique value is taken'),
    index: z.int().min(0).optional().describe('409 in a batch: which item'),
    issues: z
      .array(
        z
          .object({
            path: z.string().describe('Where, e.g. `email` or `3.name` (empty: the whole value)'),
            message: z.string().describe('What is wrong with it'),
          })
          .meta({ id: 'ValidationIssue' }),
      )
      .optional()
      .describe('400: each value that failed validation'),
    currentETag: z.string().optional().describe('412: the ETag of the current version, to read again or retry with'),
  })
  .meta({
    id: 'ErrorBody',
    description: 'The body of every error response: the status, its text, a message, and details for some',
    examples: [
      {
        statusCode: 409,
        error: 'Conflict',
        message: 'email already taken',
        requestId: '6f1c2b1e-8d0a-4c55-9d7e-3f2a1b0c9d8e',
        field: 'email',
      },
    ],
  });

export type ErrorBody = z.input<typeof ErrorBodySchema>;
