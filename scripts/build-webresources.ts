// Builds the web resources: each form/command script bundled by esbuild into one minified IIFE at
// webresources/dist/<web resource name> with an external .map beside it, and the SVG icons copied.
// `npm run build:webresources`; the solution packer copies what is in webresources/dist (never the .map files).
import { build } from "esbuild";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";

const workspace = path.join(__dirname, "..", "webresources");

export interface ScriptBundle {
  /** The web resource name it is registered under (ARCHITECTURE.md). */
  name: string;
  /** Entry file, relative to webresources/. */
  entry: string;
  /** The global it defines, checked by the bundle test. */
  global: string;
}

export const scriptBundles: readonly ScriptBundle[] = [
  { name: "mag_/scripts/invoice-form.js", entry: "src/invoice-form/index.ts", global: "XeroConnector.InvoiceForm" },
  { name: "mag_/scripts/connector-form.js", entry: "src/connector-form/index.ts", global: "XeroConnector.ConnectorForm" },
  { name: "mag_/scripts/commands.js", entry: "src/commands/index.ts", global: "XeroConnector.Commands" },
];

export const imageFiles: readonly { name: string; source: string }[] = [
  { name: "mag_/images/xero-16.svg", source: "src/images/xero-16.svg" },
  { name: "mag_/images/xero-32.svg", source: "src/images/xero-32.svg" },
];

export interface BuildOptions {
  /** Where to write; defaults to webresources/dist. */
  outDir?: string;
  /** Minify (the default, for the managed zip); off gives readable output for debugging. */
  minify?: boolean;
}

export interface BuildResult {
  outDir: string;
  /** Every file written, relative to outDir, sorted. */
  files: string[];
}

/**
 * Model-driven apps run in current Edge, Chrome, Safari and Firefox and in the mobile apps' web views; ES2017 keeps
 * async/await native and lowers newer syntax (`??`, `?.`) for the older web views.
 * https://learn.microsoft.com/power-apps/powerapps-overview#supported-browsers
 */
const target = "es2017";

export async function buildWebResources(options: BuildOptions = {}): Promise<BuildResult> {
  const outDir = path.resolve(options.outDir ?? path.join(workspace, "dist"));
  const minify = options.minify ?? true;
  // Start clean so a renamed or removed resource never lingers in the solution.
  await rm(path.join(outDir, "mag_"), { recursive: true, force: true });
  const files: string[] = [];

  await Promise.all(
    scriptBundles.map(async (bundle) => {
      const outfile = path.join(outDir, bundle.name);
      await build({
        absWorkingDir: workspace,
        entryPoints: [path.join(workspace, bundle.entry)],
        outfile,
        bundle: true,
        // An IIFE leaks nothing but what the entry puts on XeroConnector (merged, never replaced).
        format: "iife",
        platform: "browser",
        target,
        minify,
        // External map: no sourceMappingURL comment, so browsers never ask the server for a map the zip lacks.
        sourcemap: "external",
        sourcesContent: true,
        legalComments: "none",
        charset: "utf8",
        banner: { js: `/* Xero Connector for Dynamics 365: ${bundle.name} (built from webresources/${bundle.entry}) */` },
        logLevel: "silent",
      });
      files.push(bundle.name, `${bundle.name}.map`);
    }),
  );

  for (const image of imageFiles) {
    const destination = path.join(outDir, image.name);
    await mkdir(path.dirname(destination), { recursive: true });
    await writeFile(destination, await readFile(path.join(workspace, image.source)));
    files.push(image.name);
  }
  return { outDir, files: files.sort() };
}

async function main(): Promise<void> {
  const minify = !process.argv.includes("--no-minify");
  const started = Date.now();
  const result = await buildWebResources({ minify });
  const relative = path.relative(process.cwd(), result.outDir) || ".";
  for (const file of result.files) console.log(`${relative}/${file}`);
  console.log(`built ${String(result.files.length)} files in ${String(Date.now() - started)} ms`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
