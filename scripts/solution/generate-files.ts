// Model → every generated file, in memory. `scripts/generate.ts` writes them; the freshness test compares them
// with what is committed. Pure: same model, version and web resource files give the same bytes.
import type { Model } from "../../customizations/src/schema";
import type { Context } from "./components/common";
import { customizationsElement, solutionManifestElement } from "./customizations-xml";
import { zipFileNameOf } from "./components/components";
import { toMetadata } from "./to-metadata";
import { toTypeScript } from "./to-typescript";
import { unpackSolution, type Tree } from "./tree";
import { withAvailableWebResources } from "./web-resources";

export interface GeneratedFile {
  /** Path relative to the repository root, with forward slashes. */
  path: string;
  content: string | Uint8Array;
}

export interface GenerateOptions {
  version: string;
  /** Built web resource files by web resource name (what exists in webresources/dist or solution/src/WebResources). */
  webResourceFiles: Map<string, Uint8Array>;
}

export const solutionRoot = "solution/src";
export const metadataPath = "sandbox/src/dataverse/generated/metadata.json";
export const typeScriptPaths = ["azure-functions/src/generated/dataverse.ts", "webresources/src/generated/dataverse.ts"];

/** The unpacked solution (paths relative to solution/src). */
export const generateSolutionTree = (model: Model, options: GenerateOptions): { tree: Tree; omitted: string[] } => {
  const available = withAvailableWebResources(model, options.webResourceFiles);
  const ctx: Context = { model: available.model, version: options.version };
  const webResourceFiles = new Map(
    available.model.webResources.map((w) => [zipFileNameOf(w).replace(/^\//, ""), options.webResourceFiles.get(w.name) ?? new Uint8Array()]),
  );
  const tree = unpackSolution({
    customizations: customizationsElement(ctx),
    solution: solutionManifestElement(ctx, 2),
    webResourceFiles,
  });
  return { tree, omitted: available.omitted };
};

export const generateFiles = (model: Model, options: GenerateOptions): { files: GeneratedFile[]; omitted: string[] } => {
  const typeScript = toTypeScript(model, options.version);
  const { tree, omitted } = generateSolutionTree(model, options);
  return {
    omitted,
    files: [
      { path: metadataPath, content: `${JSON.stringify(toMetadata(model, options.version), null, 2)}\n` },
      ...typeScriptPaths.map((path) => ({ path, content: typeScript })),
      ...[...tree.entries()].map(([path, content]) => ({ path: `${solutionRoot}/${path}`, content })),
    ],
  };
};
