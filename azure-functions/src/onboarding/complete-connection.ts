// The shared completion: both authorisations are in, so the connector is set up under the per-environment lease,
// then data flows, the connection marked connected, health written and the first sync queued.
import type { Connection } from "../adapters/table-storage/connection-store";
import { ensureConnector, ensureDataFlows } from "./connector-setup";
import { startFirstSync } from "./first-sync";
import { dataFlowDefaults } from "./flow-defaults";
import { checkInstallation, type InstallCheck } from "./install-checks";
import { renderConnectedPage, renderReauthorisedPage } from "./pages";
import type { OnboardingDependencies, PageAnswer } from "./onboarding";
import { problem, startAgain, type OnboardingShared } from "./onboarding-shared";

export type FinishConnection = (
  connection: Connection,
  step: "xero" | "dynamics",
  install?: InstallCheck,
) => Promise<PageAnswer>;

/** Both authorisations are in: install checks, connector and data flows, connected, health, first sync. */
export function createFinishConnection(deps: OnboardingDependencies, shared: OnboardingShared): FinishConnection {
  const { connections, vault, clock } = deps;
  const { dataverseFor, issueNextStep, anotherOrganisationButton, connectedElsewhere, alreadyConnected, exclusiveIn } =
    shared;
  return async (connection: Connection, step: "xero" | "dynamics", install?: InstallCheck): Promise<PageAnswer> => {
    const log = deps.logger.child({ connectionId: connection.id });
    if (connection.dataverse === null || connection.xero === null)
      throw new Error("finishConnection needs both authorisations");
    const dataverse = dataverseFor(connection.dataverse);
    const installed = install ?? (await checkInstallation(dataverse));
    if (!installed.ok)
      return problem(409, "The Xero Connector solution needs attention", installed.message, installed.action);
    const grant = await vault.getGrantInfo(connection.id);
    if (grant === undefined)
      return problem(
        409,
        "Xero is not connected yet",
        "No Xero authorisation is stored for this connection.",
        startAgain,
      );
    const organisation = {
      tenantId: connection.xero.tenantId,
      tenantName: connection.xero.tenantName,
      grantExpiresOn: grant.grantExpiresOn,
    };
    const setUp = await exclusiveIn(connection.dataverse.url, async () => {
      const other = (await connectedElsewhere(connection)).get(organisation.tenantId);
      if (other === undefined)
        return { kind: "set-up" as const, connector: await ensureConnector(dataverse, organisation) };
      // Dynamics 365 came last, and the organisation chosen earlier (when the environment was unknown) turns out to
      // be served by another connection here: dropped from this one (under the lease, so the next check no longer
      // counts it), which keeps its Dynamics 365 part; a fresh Xero link lets the customer pick another.
      const released = await connections.update(connection.id, (current) => ({ ...current, xero: null }));
      return { kind: "taken" as const, other, released };
    });
    if (setUp.kind === "taken") {
      await vault.deleteGrant(connection.id);
      return alreadyConnected(await issueNextStep(setUp.released.id, "xero"), setUp.released, setUp.other);
    }
    const { connector } = setUp;
    const createdFlows = await ensureDataFlows(dataverse, connector.connectorId);
    const wasRunning = connection.status === "connected" && connection.connectorId === connector.connectorId;
    const updated = await connections.update(connection.id, (current) => ({
      ...current,
      connectorId: connector.connectorId,
      status: "connected",
      statusReason: null,
    }));
    log.info("connection complete", {
      connectorId: connector.connectorId,
      connectorCreated: connector.created,
      dataFlowsCreated: createdFlows.length,
    });
    await deps.health?.refresh(updated.id);
    const another = anotherOrganisationButton(updated.id);
    if (wasRunning)
      return {
        status: 200,
        page: renderReauthorisedPage(
          {
            step,
            xeroOrganisation: connection.xero.tenantName,
            environmentUrl: connection.dataverse.url,
            connectorName: connector.name,
          },
          another,
        ),
      };
    const firstSync = await startFirstSync(
      {
        queue: deps.queue,
        scopes: deps.scopes,
        clock,
        logger: deps.logger,
        ...(deps.registerRealtime === undefined ? {} : { registerRealtime: deps.registerRealtime }),
      },
      {
        connection: updated,
        connectorId: connector.connectorId,
        dataverse,
        realtimeEnabled: connector.realtimeEnabled,
      },
    );
    return {
      status: 200,
      page: renderConnectedPage(
        {
          xeroOrganisation: connection.xero.tenantName,
          environmentUrl: connection.dataverse.url,
          connectorName: connector.name,
          isDefault: connector.isDefault,
          solutionVersion: installed.solutionVersion,
          firstSync: firstSync.flows.map((flow) => dataFlowDefaults.find((row) => row.flow === flow)?.name ?? flow),
          realtime: firstSync.realtime,
        },
        another,
      ),
    };
  };
}
