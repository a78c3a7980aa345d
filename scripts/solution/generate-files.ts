// Model → every generated file, in memory. `scripts/generate.ts` writes them; the freshness test compares them
// with what is committed. Pure: same model, version and web resource files give the same bytes.
import type { Model } from "../../customizations/src/schema";
import { toMetadata } from "./to-metadata";
import { toTypeScript } from "./to-typescript";

export interface GeneratedFile {
  /** Path relative to the repository root, with forward slashes. */
  path: string;
  content: string | Uint8Array;
}

export interface GenerateOptions {
  version: string;
}

export const metadataPath = "sandbox/src/dataverse/generated/metadata.json";
export const typeScriptPaths = ["azure-functions/src/generated/dataverse.ts", "webresources/src/generated/dataverse.ts"];

export const generateFiles = (model: Model, options: GenerateOptions): GeneratedFile[] => {
  const typeScript = toTypeScript(model, options.version);
  return [
    { path: metadataPath, content: `${JSON.stringify(toMetadata(model, options.version), null, 2)}\n` },
    ...typeScriptPaths.map((path) => ({ path, content: typeScript })),
  ];
};
