import { z } from 'zod';

/** Every error response, as the filter writes it and the OpenAPI document describes it. */
export const ErrorBodySchema = z.object({
  statusCode: z.number().int().describe('The HTTP status, repeated'),
  error: z.string().describe('The status text, e.g. "Not Found"'),
  message: z.string().describe('What went wrong, for people'),
  requestId: z.string().optional().describe('The X-Request-Id of the request, to find it in the logs'),
  field: z.string().optional().describe('409: which unique value is taken'),
  index: z.number().int().optional().describe('409 in a batch: which item'),
  issues: z
    .array(z.object({ path: z.string(), message: z.string() }))
    .optional()
    .describe('400: each value that failed validation'),
  currentETag: z.string().optional().describe('412: the ETag of the current version, to read again or retry with'),
});

export type ErrorBody = z.input<typeof ErrorBodySchema>;
