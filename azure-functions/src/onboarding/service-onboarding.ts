// Builds onboarding over the service's composition (its stores, vault, queue, scope store and connection health)
// with the caller's logger (an invocation's). The links table is opened here; it is a cheap client.
import { openTable, tableNames } from "../adapters/table-storage/tables";
import { createLinkStore } from "../links/link-store";
import type { Service } from "../composition";
import type { Logger } from "../core/logger";
import type { ConnectionHealth } from "./connection-health";
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
  // One connection-health writer per service: the vault already reports refreshes and revocations to it.
  const { health } = service;
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
    leases: service.leases,
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    ...(options.registerRealtime === undefined ? {} : { registerRealtime: options.registerRealtime }),
  });
  return { onboarding, health };
}
