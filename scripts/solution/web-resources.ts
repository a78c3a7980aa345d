// Web resources are registered only when their built file exists (ARCHITECTURE.md: "register what exists").
// A form library, handler or command whose web resource is missing is left out of the solution, and reported,
// so the package never references a script it does not carry.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Model, RibbonCommand } from "../../customizations/src/schema";

/** Web resource name → file bytes, for the declared web resources whose file exists under `dir`. */
export const readWebResourceFiles = (model: Model, dir: string): Map<string, Uint8Array> =>
  new Map(
    model.webResources
      .filter((resource) => existsSync(join(dir, resource.name)))
      .map((resource) => [resource.name, new Uint8Array(readFileSync(join(dir, resource.name)))]),
  );

export interface AvailableModel {
  model: Model;
  /** Human-readable list of what was left out because its web resource file is missing. */
  omitted: string[];
}

export const withAvailableWebResources = (model: Model, files: Map<string, Uint8Array>): AvailableModel => {
  const has = (name: string | undefined): boolean => name === undefined || files.has(name);
  const omitted = [
    ...model.webResources.filter((w) => !files.has(w.name)).map((w) => `web resource ${w.name} (no built file)`),
    ...model.forms.flatMap((f) =>
      f.handlers.filter((h) => !has(h.library)).map((h) => `form "${f.name}" handler ${h.functionName}`),
    ),
    ...model.ribbon.filter((r) => !has(r.library)).map((r) => `command ${r.table}.${r.id}`),
  ];
  const dropIcon = (command: RibbonCommand): RibbonCommand => {
    const { icon16, icon32, ...rest } = command;
    return {
      ...rest,
      ...(icon16 !== undefined && has(icon16) ? { icon16 } : {}),
      ...(icon32 !== undefined && has(icon32) ? { icon32 } : {}),
    };
  };
  return {
    omitted,
    model: {
      ...model,
      webResources: model.webResources.filter((w) => files.has(w.name)),
      forms: model.forms.map((f) => ({
        ...f,
        libraries: f.libraries.filter((l) => has(l)),
        handlers: f.handlers.filter((h) => has(h.library)),
      })),
      ribbon: model.ribbon.filter((r) => has(r.library)).map(dropIcon),
      apps: model.apps.map((a) => {
        const { icon, ...rest } = a;
        return has(icon) && icon !== undefined ? { ...rest, icon } : rest;
      }),
    },
  };
};
