import { z } from 'zod';

/** `?event_kinds=`; repeated, the last one counts. */
export const receiptsQuerySchema = z.strictObject({
  event_kinds: z
    .union([z.string(), z.array(z.string())])
    .transform((value) => (Array.isArray(value) ? value[value.length - 1] : value))
    .optional(),
});
