// Staged leaks are found: a secret through console, through stdout.write, through a child process's output (piped,
// inherited, and one the child's own emulator issued), through the service logger, and an emulator-issued token.
// Each leak goes to a capture of the test's own (fake console and streams), never to this file's real capture, whose
// scan would otherwise fail the file; secrets only the inner capture knows keep the real one clean where a leak has to
// travel through the real process (the logger, child processes).
import type * as childProcess from "node:child_process";
import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { join } from "node:path";
import { createLogger, createMemoryLogger, observeLogs } from "../../azure-functions/src/core/logger";
import { issuedSecrets } from "../../sandbox/src/issued-secrets";
import { createXeroIdentity } from "../../sandbox/src/xero/identity";
import { childSecretsFileVariable, nodeChildProcess, type ChildProcessModule } from "../child-output";
import {
  capturedLineCount,
  createLogCapture,
  newChildSecretsFile,
  type ConsoleLike,
  type LogCapturePorts,
} from "../log-capture";

const repositoryRoot = join(__dirname, "..", "..");
/** Random, and without a secret's shape: only the capture it is given to knows it. */
const newSecret = (): string => `leak-${randomBytes(12).toString("hex")}`;

interface Fakes {
  ports: LogCapturePorts;
  console: ConsoleLike;
  printed: string[];
}

function fakePorts(overrides: Partial<LogCapturePorts> = {}): Fakes {
  const printed: string[] = [];
  const noop = (): void => undefined;
  const fakeConsole: ConsoleLike = { log: noop, info: noop, debug: noop, warn: noop, error: noop, trace: noop };
  const stream = (name: string) => ({
    write: (chunk: unknown): boolean => {
      printed.push(`${name}:${String(chunk)}`);
      return true;
    },
  });
  const ports: LogCapturePorts = {
    console: fakeConsole,
    stdout: stream("stdout"),
    stderr: stream("stderr"),
    observeLogs: () => () => undefined,
    issuedSecrets: () => [],
    childSecretsFile: newChildSecretsFile(),
    ...overrides,
  };
  return { ports, console: fakeConsole, printed };
}

/** The child_process functions as this file sees them (its real capture's wraps): an inner capture wraps a copy. */
const childProcessCopy = (): ChildProcessModule => ({ ...nodeChildProcess });

const exited = (child: { once(event: "close", listener: () => void): unknown }): Promise<void> =>
  new Promise((resolve) => child.once("close", () => resolve()));

describe("the log capture", () => {
  it("finds a secret logged through console, and puts console back", () => {
    const secret = newSecret();
    const fakes = fakePorts();
    const original = fakes.console.warn;
    const capture = createLogCapture(fakes.ports);
    capture.install();
    capture.rememberSecrets(secret);
    fakes.console.info("all good");
    fakes.console.warn("token is", { value: secret });
    capture.restore();
    expect(fakes.console.warn).toBe(original);
    const result = capture.scan();
    expect(result.linesBySource.console).toBe(2);
    expect(result.findings).toHaveLength(1);
    expect(result.findings[0]?.source).toBe("console.warn");
    expect(result.findings[0]?.excerpt).not.toContain(secret);
  });

  it("finds a secret written with stdout.write, even cut across two writes, and passes the writes on", () => {
    const secret = newSecret();
    const fakes = fakePorts();
    const capture = createLogCapture(fakes.ports);
    capture.install();
    capture.rememberSecrets(secret);
    fakes.ports.stdout.write(`first line\nsecret ${secret.slice(0, 10)}` as never);
    fakes.ports.stdout.write(Buffer.from(`${secret.slice(10)} end\n`) as never);
    fakes.ports.stderr.write("no newline at the end" as never);
    expect(fakes.printed).toHaveLength(3);
    const result = capture.scan();
    capture.restore();
    expect(result.linesBySource).toMatchObject({ stdout: 2, stderr: 1 });
    expect(result.findings.map((finding) => finding.source)).toStrictEqual(["stdout"]);
  });

  it("finds a shape with no secret known (a bearer token)", () => {
    const fakes = fakePorts();
    const capture = createLogCapture(fakes.ports);
    capture.install();
    fakes.console.error(`GET /Invoices Authorization: Bearer ${randomBytes(16).toString("hex")}`);
    const result = capture.scan();
    capture.restore();
    expect(result.findings.map((finding) => finding.reason)).toStrictEqual(["bearer token"]);
  });

  it("finds a secret in a service logger's entry, whatever the logger's sink or level", () => {
    const secret = newSecret();
    const capture = createLogCapture(fakePorts({ observeLogs }).ports);
    capture.install();
    capture.rememberSecrets(secret);
    createLogger(() => undefined, { minLevel: "error" }).debug("refreshed", { value: secret });
    createMemoryLogger().info("nothing secret here");
    capture.restore();
    createMemoryLogger().info(`after restore ${secret}`);
    const result = capture.scan();
    expect(result.linesBySource.logger).toBe(2);
    expect(result.findings.map((finding) => finding.source)).toStrictEqual(["logger"]);
  });

  it("learns the secrets a logger is told about and finds them where that logger's redaction does not reach", () => {
    const secret = newSecret();
    const capture = createLogCapture(fakePorts({ observeLogs }).ports);
    capture.install();
    const logger = createMemoryLogger();
    logger.addSecrets([secret]);
    logger.info(`redacted here: ${secret}`);
    capture.restore();
    expect(logger.entries[0]?.message).toBe("redacted here: [redacted]");
    // The same value in a line of another kind, e.g. a console line, is found: the capture learnt it from the logger.
    const console2 = fakePorts();
    const inner = createLogCapture({ ...console2.ports, observeLogs });
    inner.install();
    createMemoryLogger({ secrets: [secret] });
    console2.console.log(`printed ${secret}`);
    inner.restore();
    expect(capture.scan().findings).toStrictEqual([]);
    expect(inner.scan().findings.map((finding) => finding.source)).toStrictEqual(["console.log"]);
  });

  it("finds an emulator-issued token (access, refresh, authorization code, client secret) written to a log", () => {
    const tenantId = "6f1c2b7e-2c3a-4b8e-9d10-0a1b2c3d4e5f";
    const identity = createXeroIdentity({
      organisations: () => [{ tenantId, name: "Demo Company (NZ)" }],
      apps: [{ name: "Scan test", redirectUris: ["http://127.0.0.1/callback"] }],
    });
    const set = identity.issueTokenSet({ tenantIds: [tenantId] });
    expect(issuedSecrets()).toEqual(expect.arrayContaining([set.access_token, set.refresh_token]));
    const fakes = fakePorts({ issuedSecrets });
    const capture = createLogCapture(fakes.ports);
    capture.install();
    // An opaque refresh token has no shape: only the emulator's record can find it.
    fakes.console.log(`stored ${set.refresh_token ?? ""}`);
    fakes.console.log("a clean line");
    capture.restore();
    const result = capture.scan();
    expect(result.findings.map((finding) => finding.reason)).toStrictEqual(["known secret"]);
    expect(result.findings[0]?.excerpt).toBe("stored [secret]");
  });

  it("finds a secret in a child process's piped output, read the way its caller reads it", async () => {
    const secret = newSecret();
    const fakes = fakePorts({ childProcess: childProcessCopy() });
    const capture = createLogCapture(fakes.ports);
    capture.install();
    capture.rememberSecrets(secret);
    const child = (fakes.ports.childProcess?.spawn as typeof childProcess.spawn)(
      process.execPath,
      ["-e", `process.stdout.write("hello\\n"); process.stderr.write("value ${secret}\\n")`],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let read = "";
    child.stderr?.on("data", (chunk: Buffer) => (read += chunk.toString()));
    child.stdout?.resume();
    await exited(child);
    capture.restore();
    expect(read).toBe(`value ${secret}\n`);
    const result = capture.scan();
    expect(result.linesBySource.child).toBe(2);
    expect(result.findings.map((finding) => finding.source)).toStrictEqual([`child "${process.execPath} -e" stderr`]);
  });

  it("pipes a child's inherited stdout, passes it on to this process's stream, and scans it", async () => {
    const secret = newSecret();
    const fakes = fakePorts({ childProcess: childProcessCopy() });
    const capture = createLogCapture(fakes.ports);
    capture.install();
    capture.rememberSecrets(secret);
    const spawn = fakes.ports.childProcess?.spawn as typeof childProcess.spawn;
    const child = spawn(process.execPath, ["-e", `console.log("inherited ${secret}")`], { stdio: "inherit" });
    await exited(child);
    const sync = (fakes.ports.childProcess?.spawnSync as typeof childProcess.spawnSync)(
      process.execPath,
      ["-e", `console.log("sync ${secret}")`],
      { stdio: ["ignore", "inherit", "pipe"] },
    );
    capture.restore();
    expect(sync.stdout).toBeNull();
    expect(fakes.printed.join("")).toContain("inherited");
    expect(fakes.printed.join("")).toContain("sync");
    expect(capture.scan().findings).toHaveLength(2);
  });

  it("never holds this process open through a pipe it made of an inherited stream (esbuild unrefs its service)", async () => {
    const fakes = fakePorts({ childProcess: childProcessCopy() });
    const capture = createLogCapture(fakes.ports);
    capture.install();
    const spawn = fakes.ports.childProcess?.spawn as typeof childProcess.spawn;
    const child = spawn(process.execPath, ["-e", "setTimeout(() => undefined, 30000)"], {
      stdio: ["ignore", "ignore", "inherit"],
    });
    child.unref();
    // Node's own handle of the pipe: what keeps an event loop alive (checked while it is open).
    const handle = (child.stderr as unknown as { _handle?: { hasRef(): boolean } } | null)?._handle;
    const holdsProcessOpen = handle?.hasRef();
    const closed = exited(child);
    child.kill();
    await closed;
    capture.restore();
    expect(holdsProcessOpen).toBe(false);
  });

  it("finds a secret the child's own emulator issued and printed (the child records it in the capture's file)", () => {
    const fakes = fakePorts({ childProcess: childProcessCopy() });
    const capture = createLogCapture(fakes.ports);
    capture.install();
    const script = `
      const { rememberIssuedSecret } = require("./sandbox/src/issued-secrets");
      const token = require("node:crypto").randomBytes(20).toString("hex");
      rememberIssuedSecret(token);
      console.log("issued " + token);
      console.log("variable " + (process.env.${childSecretsFileVariable} ? "set" : "missing"));`;
    const result = (fakes.ports.childProcess?.spawnSync as typeof childProcess.spawnSync)(
      process.execPath,
      ["--require", require.resolve("tsx/cjs"), "-e", script],
      { cwd: repositoryRoot, encoding: "utf8" },
    );
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("variable set");
    const scan = capture.scan();
    capture.restore();
    expect(scan.knownSecrets).toBe(1);
    expect(scan.findings.map((finding) => finding.reason)).toStrictEqual(["known secret"]);
  });

  it("wraps the one node:child_process module object every require sees, for this file", () => {
    const real = createRequire(__filename)("node:child_process") as ChildProcessModule & Record<symbol, unknown>;
    expect(real).toBe(nodeChildProcess);
    const originals = real[Symbol.for("xero-connector.log-scan.child-process-originals")] as ChildProcessModule;
    expect(originals.spawn).not.toBe(real.spawn);
    expect(originals.execFileSync).not.toBe(real.execFileSync);
  });

  it("counts the lines of this file's own capture (console and loggers reach it)", () => {
    const before = capturedLineCount();
    createMemoryLogger().info("one line for the real capture");
    expect(capturedLineCount() - before).toBe(1);
  });
});
