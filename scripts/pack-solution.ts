// `npm run build:solution`: packs solution/src (the SolutionPackager tree `npm run generate` writes) into
// dist/solution/XeroConnector_<version>_managed.zip and …_unmanaged.zip. Same tree, same bytes.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { buildSolutionZip, zipFileName } from "./solution/package";
import { readSolutionVersion } from "./solution/version";
import type { Tree } from "./solution/tree";

const root = join(__dirname, "..");

const listFiles = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path) : [path];
  });

/** Reads solution/src: XML files as text, web resource files as bytes. */
export const readTree = (dir: string): Tree =>
  new Map(
    listFiles(dir).map((path): [string, string | Uint8Array] => {
      const relativePath = relative(dir, path).split(sep).join("/");
      const isWebResourceFile = relativePath.startsWith("WebResources/") && !relativePath.endsWith(".data.xml");
      return [relativePath, isWebResourceFile ? new Uint8Array(readFileSync(path)) : readFileSync(path, "utf8")];
    }),
  );

/** A bundle rebuilt in webresources/dist but not copied into solution/src yet would ship stale: say so. */
const warnAboutStaleWebResources = (tree: Tree): void => {
  for (const [path, content] of tree) {
    if (!(content instanceof Uint8Array)) continue;
    const built = join(root, "webresources/dist", path.replace(/^WebResources\//, ""));
    if (existsSync(built) && !readFileSync(built).equals(Buffer.from(content))) {
      console.warn(
        `build:solution: WARNING ${path} differs from webresources/dist; run npm run generate to ship the new build`,
      );
    }
  }
};

const main = (): void => {
  const source = join(root, "solution/src");
  if (!existsSync(source)) throw new Error("solution/src is missing: run npm run generate");
  const tree = readTree(source);
  warnAboutStaleWebResources(tree);
  const version = readSolutionVersion(root);
  const out = join(root, "dist/solution");
  mkdirSync(out, { recursive: true });
  for (const managed of [true, false]) {
    const path = join(out, zipFileName("XeroConnector", version, managed));
    writeFileSync(path, buildSolutionZip(tree, managed));
    console.log(`build:solution: wrote ${relative(root, path)}`);
  }
};

if (require.main === module) main();
