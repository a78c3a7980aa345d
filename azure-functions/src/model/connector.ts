// What a connector row decides for the flows, read once per run.
import { z } from "zod";
import { Guid } from "./common";

export const ConnectorSettings = z.object({
  connectorId: Guid,
  name: z.string().optional(),
  xeroTenantId: z.string().min(1),
  enabled: z.boolean(),
  isDefault: z.boolean(),
  autoApproveInvoices: z.boolean(),
  markInvoicesAsSent: z.boolean(),
  /** The defaults' codes, resolved from the connector's lookups. */
  defaultAccountCode: z.string().optional(),
  defaultTaxType: z.string().optional(),
});
export type ConnectorSettings = z.infer<typeof ConnectorSettings>;
