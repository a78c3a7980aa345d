// Builds onboarding over the service's composition (its stores, vault, queue, scope store and connection health)
// with the caller's logger (an invocation's), and the daily sweep of abandoned connections over the same stores. The
// links table is opened here; it is a cheap client.
import { openTable, tableNames } from "../adapters/table-storage/tables";
import { createLinkStore } from "../links/link-store";
import type { Service } from "../composition";
import type { Logger } from "../core/logger";
import { sweepAbandonedConnections, type AbandonedSweepSummary } from "./abandoned-connections";
import type { ConnectionHealth } from "./connection-health";
import type { RealtimeRegistration } from "./first-sync";
import { createOnboarding, type Onboarding } from "./onboarding";

export interface ServiceOnboarding {
  onboarding: Onboarding;
  health: ConnectionHealth;
}

const linksOf = ({ config, clock }: Service) =>
  createLinkStore(openTable(config.storageConnectionString, tableNames.links), {
    signingKey: config.links.signingKey,
    publicBaseUrl: config.links.publicBaseUrl,
    clock,
  });

/** Deletes the pending connections abandoned for 30 days (with their grants) over the service's stores. */
export function sweepServiceAbandonedConnections(service: Service, logger: Logger): Promise<AbandonedSweepSummary> {
  return sweepAbandonedConnections({
    connections: service.connections,
    vault: service.vault,
    links: linksOf(service),
    clock: service.clock,
    logger,
  });
}

export function createServiceOnboarding(
  service: Service,
  options: { logger?: Logger; fetch?: typeof fetch; registerRealtime?: RealtimeRegistration } = {},
): ServiceOnboarding {
  const { config, clock } = service;
  const logger = options.logger ?? service.logger;
  // One connection-health writer per service: the vault already reports refreshes and revocations to it.
  const { health } = service;
  const links = linksOf(service);
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
    leases: service.leases,
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    ...(options.registerRealtime === undefined ? {} : { registerRealtime: options.registerRealtime }),
  });
  return { onboarding, health };
}
