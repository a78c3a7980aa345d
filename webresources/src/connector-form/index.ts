// Bundle entry for mag_/scripts/connector-form.js: publishes XeroConnector.ConnectorForm.
import { exposeNamespace } from "../shared/namespace";
import { browserPorts } from "../shared/ports";
import { createConnectorFormHandlers } from "./handlers";

exposeNamespace("ConnectorForm", { ...createConnectorFormHandlers(browserPorts) });
