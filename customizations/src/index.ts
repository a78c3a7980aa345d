// The one declaration of everything the solution adds to Dataverse (and of the standard tables it touches).
// `loadModel()` parses it with zod and checks cross-references, so the generator only ever sees a valid model.
import { choices, optionValuePrefix } from "./choices";
import { modelSchema, type Model, type ModelInput } from "./schema";
import { customTables } from "./tables/custom-tables";
import { standardTables } from "./tables/standard-tables";
import { systemTables } from "./tables/system-tables";
import { manyToMany } from "./relationships";
import { forms } from "./ui/forms";
import { views } from "./ui/views";
import { charts } from "./ui/charts";
import { webResources } from "./ui/web-resources";
import { roles } from "./ui/roles";
import { apps } from "./ui/apps";
import { ribbon } from "./ui/ribbon";
import { checkModel } from "./check";

export const publisherPrefix = "mag";

export const modelInput: ModelInput = {
  solution: {
    uniqueName: "XeroConnector",
    displayName: "Xero Connector",
    description: "Connects Dynamics 365 Sales with Xero accounting: invoices, payments, credit notes and contacts.",
  },
  publisher: {
    uniqueName: "xeroconnector",
    displayName: "Xero Connector",
    description: "Publisher of the Xero Connector for Dynamics 365.",
    prefix: publisherPrefix,
    optionValuePrefix,
  },
  choices,
  tables: [...customTables, ...standardTables, ...systemTables],
  manyToMany,
  forms,
  views,
  charts,
  webResources,
  roles,
  apps,
  ribbon,
};

/** Parses a model (the declared one by default) and fails with every broken reference listed. */
export const loadModel = (input: ModelInput = modelInput): Model => {
  const model = modelSchema.parse(input);
  const problems = checkModel(model);
  if (problems.length > 0) {
    throw new Error(`customizations model is inconsistent:\n- ${problems.join("\n- ")}`);
  }
  return model;
};

export type { Model, ModelInput } from "./schema";
export * from "./schema";
export { checkModel } from "./check";
