// `npm run generate`: everything derived from customizations/ — the SolutionPackager tree under solution/src, the
// Dataverse constants for azure-functions/ and webresources/, and the emulator's metadata.json.
// First it builds the web resources (when scripts/build-webresources.ts exists) and takes the built files from
// webresources/dist/<name>; a file not built there keeps the copy already in solution/src/WebResources.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { loadModel } from "../customizations/src/index";
import { generateFiles, solutionRoot, type GeneratedFile } from "./solution/generate-files";
import { readSolutionVersion } from "./solution/version";
import { readWebResourceFiles } from "./solution/web-resources";

const root = join(__dirname, "..");

const buildWebResources = (): void => {
  const script = join(root, "scripts/build-webresources.ts");
  if (!existsSync(script) || process.argv.includes("--no-build")) return;
  const result = spawnSync(process.execPath, [require.resolve("tsx/cli"), script], { cwd: root, stdio: "inherit" });
  if (result.status !== 0) {
    console.warn(
      "generate: WARNING the web resources build failed; using the files already in solution/src/WebResources",
    );
  }
};

const listFiles = (dir: string): string[] =>
  existsSync(dir)
    ? readdirSync(dir).flatMap((name) => {
        const path = join(dir, name);
        return statSync(path).isDirectory() ? listFiles(path) : [path];
      })
    : [];

const writeFiles = (files: GeneratedFile[]): void => {
  for (const file of files) {
    const target = join(root, file.path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, file.content);
  }
};

const main = (): void => {
  const model = loadModel();
  const version = readSolutionVersion(root);
  // The bundles import the generated constants: write those before building the web resources.
  const constants = generateFiles(model, { version, webResourceFiles: new Map() }).files;
  writeFiles(constants.filter((file) => !file.path.startsWith(`${solutionRoot}/`)));
  buildWebResources();
  const committed = readWebResourceFiles(model, join(root, solutionRoot, "WebResources"));
  const built = readWebResourceFiles(model, join(root, "webresources/dist"));
  const webResourceFiles = new Map([...committed, ...built]);
  const { files, omitted } = generateFiles(model, { version, webResourceFiles });

  const written = new Set(files.map((file) => join(root, file.path)));
  for (const stale of listFiles(join(root, solutionRoot)).filter((path) => !written.has(path))) {
    rmSync(stale);
    console.log(`generate: removed ${relative(root, stale)}`);
  }
  writeFiles(files);
  for (const item of omitted) console.warn(`generate: WARNING left out of the solution: ${item}`);
  console.log(`generate: wrote ${files.length} files`);
};

main();
