import { z } from 'zod';

// The crypto-period policy table's schema: what policy:set accepts and what the vault keeps.
// Apart from inventory-types.ts so that the renderer, which imports those words, does not
// bundle zod.

export const policyRowSchema = z
  .object({
    id: z.string().regex(/^[a-z][a-z0-9-]{0,63}$/),
    nistRow: z.number().int().min(1),
    title: z.string().min(1),
    guidance: z.string(),
    originatorMonths: z.number().int().min(1).max(600).nullable(),
    recipientExtraMonths: z.number().int().min(0).max(600),
  })
  .strict()
  .refine((row) => row.originatorMonths !== null || row.recipientExtraMonths > 0, {
    message: 'a key type with no originator use needs a recipient period',
  });
export type PolicyRow = z.infer<typeof policyRowSchema>;

export const policyTableSchema = z
  .object({
    source: z.string(),
    note: z.string().optional(),
    rows: z.array(policyRowSchema).min(1),
    excluded: z
      .array(z.object({ nistRow: z.number(), title: z.string(), reason: z.string() }))
      .optional(),
  })
  .strict()
  .refine((table) => new Set(table.rows.map((row) => row.id)).size === table.rows.length, {
    message: 'row ids must be unique',
  });
export type PolicyTable = z.infer<typeof policyTableSchema>;
