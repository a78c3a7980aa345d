// Xero-owned reference data mirrored into Dynamics 365, and Dynamics-owned products mirrored into Xero.
import { z } from "zod";
import { Guid } from "./common";

export const AccountCode = z.object({
  xeroAccountId: Guid.optional(),
  name: z.string().min(1),
  code: z.string().optional(),
  description: z.string().optional(),
  type: z.string().optional(),
  taxType: z.string().optional(),
  status: z.string().optional(),
});
export type AccountCode = z.infer<typeof AccountCode>;

export const TaxRate = z.object({
  name: z.string().min(1),
  taxType: z.string().optional(),
  displayTaxRate: z.number().optional(),
  effectiveRate: z.number().optional(),
  status: z.string().optional(),
});
export type TaxRate = z.infer<typeof TaxRate>;

export const BrandingTheme = z.object({
  xeroBrandingThemeId: Guid,
  name: z.string().min(1),
});
export type BrandingTheme = z.infer<typeof BrandingTheme>;

export const TrackingOption = z.object({
  xeroTrackingOptionId: Guid.optional(),
  name: z.string().min(1),
  status: z.string().optional(),
});
export type TrackingOption = z.infer<typeof TrackingOption>;

export const TrackingCategory = z.object({
  xeroTrackingCategoryId: Guid.optional(),
  name: z.string().min(1),
  status: z.string().optional(),
  options: z.array(TrackingOption).default([]),
});
export type TrackingCategory = z.infer<typeof TrackingCategory>;

export const Item = z.object({
  dynamicsId: Guid.optional(),
  xeroItemId: Guid.optional(),
  code: z.string().min(1, "the product has no product number"),
  name: z.string().optional(),
});
export type Item = z.infer<typeof Item>;
