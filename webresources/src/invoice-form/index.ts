// Bundle entry for mag_/scripts/invoice-form.js: publishes XeroConnector.InvoiceForm.
import { exposeNamespace } from "../shared/namespace";
import { browserPorts } from "../shared/ports";
import { createInvoiceFormHandlers } from "./handlers";

exposeNamespace("InvoiceForm", { ...createInvoiceFormHandlers(browserPorts) });
