// The service, built once per process on first use (so loading the function table never reads the environment
// or opens a connection; the sandbox's local host imports the table before its settings exist).
import type { InvocationContext } from "@azure/functions";
import { createService, type Service, type ServiceOptions } from "../composition";
import { loadConfig } from "../config";
import { createInvocationLogger, type Logger } from "../core/logger";

export type ServiceProvider = () => Promise<Service>;

export function lazyService(
  env: Readonly<Record<string, string | undefined>>,
  options: ServiceOptions = {},
): ServiceProvider {
  let service: Promise<Service> | undefined;
  return () => {
    service ??= createService(loadConfig({ ...env }), options).catch((error: unknown) => {
      service = undefined;
      throw error;
    });
    return service;
  };
}

/** A logger for one invocation that hides the configuration's secrets. */
export function invocationLogger(invocation: InvocationContext, service: Service): Logger {
  return createInvocationLogger(invocation, { secrets: service.config.secrets });
}
