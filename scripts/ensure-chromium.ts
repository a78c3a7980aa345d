// `npx tsx scripts/ensure-chromium.ts`: makes sure Debian's Chromium is installed for the browser tests
// (playwright-core drives it; playwright's own browser downloads are not used). When /usr/bin/chromium is absent it
// runs `apt-get update && apt-get install -y chromium` (needs root), under a lock so parallel test workers install it
// once. Also exported for the tests' setup.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

export const chromiumPath = "/usr/bin/chromium";

/** Flags for a quiet, reproducible headless run (no sandbox: tests run as root in a container). */
export const chromiumArgs: readonly string[] = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Installs Chromium when it is missing; returns its path. `log` receives one line per step. */
export function ensureChromium(log: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): string {
  if (existsSync(chromiumPath)) return chromiumPath;
  if (process.getuid?.() !== 0)
    throw new Error(`${chromiumPath} is missing and installing it needs root: run apt-get install -y chromium`);
  log(
    `ensure-chromium: ${chromiumPath} not found; installing Debian's chromium (apt-get update && apt-get install -y chromium)…`,
  );
  const script = `test -x ${chromiumPath} || (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium)`;
  execFileSync("flock", ["/tmp/ensure-chromium.lock", "sh", "-c", script], {
    stdio: ["ignore", "ignore", "inherit"],
    timeout: 15 * 60_000,
  });
  if (!existsSync(chromiumPath)) throw new Error(`apt-get finished but ${chromiumPath} is still missing`);
  log(`ensure-chromium: installed ${chromiumPath}`);
  return chromiumPath;
}

if (require.main === module) {
  try {
    process.stdout.write(`${ensureChromium()}\n`);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
