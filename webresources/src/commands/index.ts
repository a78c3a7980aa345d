// Bundle entry for mag_/scripts/commands.js: publishes XeroConnector.Commands.
import { exposeNamespace } from "../shared/namespace";
import { browserPorts } from "../shared/ports";
import { createCommandHandlers } from "./handlers";

exposeNamespace("Commands", { ...createCommandHandlers(browserPorts) });
