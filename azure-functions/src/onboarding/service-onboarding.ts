// Builds onboarding and connection health over the service's composition (its stores, vault, queue and scope store)
// with the caller's logger (an invocation's). The links table and a read-only rate governor (for calls remaining
// today) are opened here; both are cheap clients.
import { createRateGovernor } from "../adapters/table-storage/rate-governor";
import { openTable, tableNames } from "../adapters/table-storage/tables";
import { createLinkStore } from "../links/link-store";
import type { Service } from "../composition";
import type { Logger } from "../core/logger";
import { createConnectionHealth, type ConnectionHealth } from "./connection-health";
import type { RealtimeRegistration } from "./first-sync";
import { createOnboarding, type Onboarding } from "./onboarding";

export interface ServiceOnboarding {
  onboarding: Onboarding;
  health: ConnectionHealth;
}

export function createServiceOnboarding(
  service: Service,
  options: { logger?: Logger; fetch?: typeof fetch; registerRealtime?: RealtimeRegistration } = {},
): ServiceOnboarding {
  const { config, clock } = service;
  const logger = options.logger ?? service.logger;
  const governor = createRateGovernor({
    table: openTable(config.storageConnectionString, tableNames.rateBudget),
    clock,
    limits: config.xero.limits,
  });
  const health = createConnectionHealth({
    connections: service.connections,
    vault: service.vault,
    dataverseFor: (connection) => service.contextFor(connection).dataverse,
    callsRemainingToday: (tenantId) => governor.callsRemainingToday(tenantId),
    logger,
  });
  const links = createLinkStore(openTable(config.storageConnectionString, tableNames.links), {
    signingKey: config.links.signingKey,
    publicBaseUrl: config.links.publicBaseUrl,
    clock,
  });
  const onboarding = createOnboarding({
    config,
    links,
    connections: service.connections,
    vault: service.vault,
    queue: service.queue,
    scopes: service.scopes,
    clock,
    logger,
    health,
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    ...(options.registerRealtime === undefined ? {} : { registerRealtime: options.registerRealtime }),
  });
  return { onboarding, health };
}
