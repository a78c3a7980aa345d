// The client-secret Dynamics 365 leg: the form, then the credentials verified (token, WhoAmI, install checks) before
// they are stored.
import { z } from "zod";
import { verifyDynamicsCredentials } from "../adapters/dataverse/verify-credentials";
import type { DataverseCredentials } from "../adapters/table-storage/connection-store";
import { checkInstallation } from "./install-checks";
import type { DynamicsFormValues } from "./pages";
import type { Onboarding, OnboardingDependencies, PageAnswer } from "./onboarding";
import type { FinishConnection } from "./complete-connection";
import { toEnvironmentUrl, type OnboardingShared } from "./onboarding-shared";

export const DynamicsForm = z.object({
  environmentUrl: z.string().trim().max(400),
  tenantId: z.string().trim().max(100),
  clientId: z.string().trim().max(100),
  clientSecret: z.string().max(400),
});
export type DynamicsForm = z.infer<typeof DynamicsForm>;

export type DynamicsFormLeg = Pick<Onboarding, "showDynamicsForm" | "submitDynamicsForm">;

export function createDynamicsFormLeg(
  deps: OnboardingDependencies,
  shared: OnboardingShared,
  finishConnection: FinishConnection,
): DynamicsFormLeg {
  const { config, connections, clock } = deps;
  const { dataverseFor, openLink, consumeLink, issueNextStep, dynamicsValues, dynamicsForm } = shared;

  return {
    async showDynamicsForm(token) {
      const opened = await openLink(token, "dynamics");
      if (!opened.ok) return opened.answer;
      return { status: 200, page: dynamicsForm(token ?? "", opened.connection, dynamicsValues(opened.connection)) };
    },

    async submitDynamicsForm(raw) {
      const token = raw["token"] ?? "";
      const opened = await openLink(token, "dynamics");
      if (!opened.ok) return opened.answer;
      const { connection } = opened;
      const parsed = DynamicsForm.safeParse({
        environmentUrl: raw["environmentUrl"] ?? "",
        tenantId: raw["tenantId"] ?? "",
        clientId: raw["clientId"] ?? "",
        clientSecret: raw["clientSecret"] ?? "",
      });
      const values: DynamicsFormValues = parsed.success
        ? { environmentUrl: parsed.data.environmentUrl, tenantId: parsed.data.tenantId, clientId: parsed.data.clientId }
        : dynamicsValues(connection);
      const again = (status: number, found: { message: string; action: string }): PageAnswer => ({
        status,
        page: dynamicsForm(token, connection, values, found),
      });
      if (
        !parsed.success ||
        parsed.data.tenantId === "" ||
        parsed.data.clientId === "" ||
        parsed.data.clientSecret === ""
      ) {
        return again(400, {
          message: "Every field is needed.",
          action: "Fill in the environment URL, the tenant id, the client id and the client secret.",
        });
      }
      const url = toEnvironmentUrl(parsed.data.environmentUrl);
      if (url === undefined)
        return again(400, {
          message: "The environment URL is not a URL.",
          action: "Copy it from the Power Platform admin center (it looks like https://yourorg.crm.dynamics.com).",
        });
      const credentials: DataverseCredentials = {
        url,
        tenantId: parsed.data.tenantId,
        clientId: parsed.data.clientId,
        clientSecret: parsed.data.clientSecret,
      };
      deps.logger.addSecrets([credentials.clientSecret]);
      const check = await verifyDynamicsCredentials(credentials, {
        authorityUrl: config.dataverse.authorityUrl,
        clock,
        ...(deps.fetch === undefined ? {} : { fetch: deps.fetch }),
      });
      if (!check.ok) {
        deps.logger.info("dynamics credentials refused", { connectionId: connection.id, problem: check.problem });
        return again(400, check);
      }
      const install = await checkInstallation(dataverseFor(credentials));
      if (!install.ok) {
        deps.logger.info("install check failed", { connectionId: connection.id, problem: install.problem });
        return again(409, install);
      }
      const refused = await consumeLink(token, "dynamics");
      if (refused !== undefined) return refused;
      const updated = await connections.update(connection.id, (current) => ({ ...current, dataverse: credentials }));
      deps.logger.info("dynamics 365 authorised", {
        connectionId: connection.id,
        organizationId: check.whoAmI.OrganizationId,
      });
      if (updated.xero === null) return { status: 303, location: await issueNextStep(updated.id, "xero") };
      return finishConnection(updated, "dynamics", install);
    },
  };
}
