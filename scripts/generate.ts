// `npm run generate`: writes everything derived from customizations/ (see scripts/solution/README.md).
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { loadModel } from "../customizations/src/index";
import { generateFiles } from "./solution/generate-files";
import { readSolutionVersion } from "./solution/version";

const root = join(__dirname, "..");

const main = (): void => {
  const model = loadModel();
  const files = generateFiles(model, { version: readSolutionVersion(root) });
  for (const file of files) {
    const target = join(root, file.path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, file.content);
  }
  console.log(`generate: wrote ${files.length} files`);
};

main();
