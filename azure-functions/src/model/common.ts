// Value types shared by every entity of the canonical model.
import { z } from "zod";

/** A calendar date without time or zone, `YYYY-MM-DD` (Dataverse DateOnly, Xero's date fields). */
export const DateOnly = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "expected a date as YYYY-MM-DD");
export type DateOnly = z.infer<typeof DateOnly>;

export const Guid = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, "expected a GUID");
export type Guid = z.infer<typeof Guid>;

/** Three-letter ISO 4217 code. */
export const CurrencyCode = z.string().regex(/^[A-Z]{3}$/, "expected an ISO 4217 currency code");

/** A finite amount; rounding to the currency's places is the codec's job, not the model's. */
export const Amount = z.number().finite();

export const Address = z.object({
  line1: z.string().optional(),
  line2: z.string().optional(),
  line3: z.string().optional(),
  line4: z.string().optional(),
  city: z.string().optional(),
  postalCode: z.string().optional(),
  region: z.string().optional(),
  country: z.string().optional(),
});
export type Address = z.infer<typeof Address>;

/** Xero refuses a contact whose email is not valid ("Email address must be valid."); checked before calling it. */
export const EmailAddress = z.email({ message: "is not a valid email address" });

export const Person = z.object({
  firstName: z.string().optional(),
  lastName: z.string().optional(),
  emailAddress: EmailAddress.optional(),
  includeInEmails: z.boolean().optional(),
});
export type Person = z.infer<typeof Person>;
