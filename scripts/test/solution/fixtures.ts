// Shared test inputs: the declared model, the committed solution tree, and the web resource files it carries.
import { join } from "node:path";
import { loadModel } from "../../../customizations/src/index";
import { readTree } from "../../pack-solution";
import { solutionRoot } from "../../solution/generate-files";
import { readSolutionVersion } from "../../solution/version";
import { readWebResourceFiles } from "../../solution/web-resources";

export const repoRoot = join(__dirname, "../../..");
export const model = loadModel();
export const version = readSolutionVersion(repoRoot);
export const committedTree = () => readTree(join(repoRoot, solutionRoot));
export const committedWebResources = () => readWebResourceFiles(model, join(repoRoot, solutionRoot, "WebResources"));
