// What child processes started by a test write to stdout and stderr joins the log scan. `installChildProcessCapture`
// wraps the functions of node:child_process (the one module object every copy of a test's code shares, through Jest's
// registry and from node_modules alike) for one test file and puts them back after it:
// - a stream the caller pipes is watched where its reader takes the data (its `data` events): nothing changes for the
//   caller, and only what reaches this process is scanned;
// - a stream the caller inherits would go straight to the worker's file descriptor, past every capture, so it is piped
//   instead and passed on to this process's stream as it arrives (the caller sees the same output where it saw it);
// - the children learn where to record the secrets their own emulators issue (`childSecretsFileVariable`, read by
//   sandbox/src/issued-secrets.ts), so a token a child issues and prints is a known secret, not only a shape.
// One exception: esbuild's service (`--service=…`) speaks a binary protocol over its stdout; that is data, not a log.
// The default import is the module object itself (esModuleInterop), not a copy of its functions.
import childProcess, { type ChildProcess, type SpawnSyncReturns, type StdioOptions } from "node:child_process";
import type { Readable } from "node:stream";
import { StringDecoder } from "node:string_decoder";

/** The environment variable telling a child process (and its own children) where to append the secrets it issues. */
export const childSecretsFileVariable = "XC_LOG_SCAN_SECRETS_FILE";

export type ChildStream = "stdout" | "stderr";

/** One stream of one child (two children with the same command line are two outputs). */
export interface ChildOutput {
  /** Names the child for a report. */
  readonly label: string;
  readonly stream: ChildStream;
}

export interface ChildOutputSink {
  /** Text a child wrote (any size, any boundaries). */
  write(output: ChildOutput, text: string): void;
  /** The child's stream ended: a last line without a newline is complete. */
  end(output: ChildOutput): void;
  /** Passes inherited output on to this process's stream without capturing it a second time. */
  passOn(stream: ChildStream, chunk: Buffer | string): void;
}

type Spawner = (...args: unknown[]) => unknown;
const asyncNames = ["spawn", "fork", "exec", "execFile"] as const;
const syncNames = ["spawnSync", "execSync", "execFileSync"] as const;
type WrappedName = (typeof asyncNames)[number] | (typeof syncNames)[number];
export type ChildProcessModule = Record<WrappedName, Spawner>;

/** The module object itself (not a copy): what Jest hands every test file and node_modules for node:child_process. */
export const nodeChildProcess = childProcess as unknown as ChildProcessModule;

/** Where a module's own functions are kept while wrapped (on the module object: a wrap left by a file that died
 * before its end is replaced, not stacked). */
const originalsKey = Symbol.for("xero-connector.log-scan.child-process-originals");

const isOptions = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The arguments with the options object replaced (or added where the function expects it). */
function withOptions(
  args: readonly unknown[],
  change: (options: Record<string, unknown>) => Record<string, unknown>,
): unknown[] {
  const copy = [...args];
  const found = copy.findIndex((value, index) => index > 0 && isOptions(value));
  if (found > 0) {
    copy[found] = change(copy[found] as Record<string, unknown>);
    return copy;
  }
  const at = Array.isArray(copy[1]) ? 2 : 1;
  if (at < copy.length && (copy[at] === undefined || copy[at] === null)) copy[at] = change({});
  else copy.splice(at, 0, change({}));
  return copy;
}

/** A short name for the child in a report: the command and its first plain arguments (no scripts, no values). */
export function toChildLabel(args: readonly unknown[]): string {
  const command = typeof args[0] === "string" ? args[0] : "?";
  const plain = (arg: unknown): arg is string => typeof arg === "string" && /^[\w./:@+-]{1,60}$/.test(arg);
  const rest = Array.isArray(args[1]) ? (args[1] as unknown[]).filter(plain).slice(0, 3) : [];
  return [command, ...rest].join(" ");
}

const speaksProtocolOnStdout = (args: readonly unknown[]): boolean =>
  Array.isArray(args[1]) &&
  (args[1] as unknown[]).some((arg) => typeof arg === "string" && arg.startsWith("--service="));

const inheritsStream = (entry: unknown, fd: 1 | 2): boolean =>
  entry === "inherit" || entry === fd || entry === (fd === 1 ? process.stdout : process.stderr);

/** stdio with inherited stdout/stderr turned into pipes; which of them were turned. */
export function toPipedStdio(stdio: unknown): { stdio: StdioOptions | undefined; piped: ChildStream[] } {
  if (stdio === undefined) return { stdio: undefined, piped: [] };
  const entries: unknown[] =
    typeof stdio === "string" ? [stdio, stdio, stdio] : Array.isArray(stdio) ? [...(stdio as unknown[])] : [];
  if (entries.length === 0) return { stdio: stdio as StdioOptions, piped: [] };
  const piped: ChildStream[] = [];
  if (inheritsStream(entries[1], 1)) {
    entries[1] = "pipe";
    piped.push("stdout");
  }
  if (inheritsStream(entries[2], 2)) {
    entries[2] = "pipe";
    piped.push("stderr");
  }
  return { stdio: piped.length === 0 ? (stdio as StdioOptions) : (entries as StdioOptions), piped };
}

/** Watches a piped stream where its reader takes the data; the stream flows exactly as it would without us. */
function watchReads(stream: Readable, onData: (chunk: Buffer | string) => void, onEnd: () => void): void {
  const emit = stream.emit.bind(stream);
  stream.emit = ((event: string | symbol, ...rest: unknown[]): boolean => {
    if (event === "data") onData(rest[0] as Buffer | string);
    else if (event === "end" || event === "close") onEnd();
    return emit(event, ...rest);
  }) as Readable["emit"];
}

/** Feeds a running child's stdout and stderr into the sink (`piped`: streams we turned from inherited into pipes). */
export function tapChildOutput(
  child: ChildProcess,
  label: string,
  sink: ChildOutputSink,
  piped: readonly ChildStream[] = [],
  skip: readonly ChildStream[] = [],
): void {
  for (const name of ["stdout", "stderr"] as const) {
    const stream = child[name];
    if (stream === null || skip.includes(name)) continue;
    const output: ChildOutput = { label, stream: name };
    const decoder = new StringDecoder("utf8");
    const onData = (chunk: Buffer | string): void =>
      sink.write(output, typeof chunk === "string" ? chunk : decoder.write(chunk));
    let ended = false;
    const onEnd = (): void => {
      if (ended) return;
      ended = true;
      sink.write(output, decoder.end());
      sink.end(output);
    };
    if (piped.includes(name)) {
      stream.on("data", (chunk: Buffer | string) => {
        onData(chunk);
        sink.passOn(name, chunk);
      });
      stream.once("end", onEnd);
      // An inherited descriptor never kept this process alive; our pipe must not either (esbuild unrefs its service
      // child and would otherwise hold Jest's worker open). The child's own handle still does, unless unref'd.
      (stream as Readable & { unref?: () => void }).unref?.();
    } else {
      watchReads(stream, onData, onEnd);
    }
  }
}

const toText = (value: unknown): string | undefined =>
  typeof value === "string" ? value : Buffer.isBuffer(value) ? value.toString("utf8") : undefined;

function recordSync(sink: ChildOutputSink, label: string, name: ChildStream, value: unknown, passOn: boolean): void {
  const text = toText(value);
  if (text === undefined || text.length === 0) return;
  const output: ChildOutput = { label, stream: name };
  sink.write(output, text);
  sink.end(output);
  if (passOn) sink.passOn(name, text);
}

/** The child's environment plus the file for its issued secrets (an inner capture's file, when one is set, wins). */
const withSecretsFile = (options: Record<string, unknown>, secretsFile: string): Record<string, unknown> => {
  const env = (isOptions(options["env"]) ? options["env"] : process.env) as NodeJS.ProcessEnv;
  if (env[childSecretsFileVariable] !== undefined) return options;
  return { ...options, env: { ...env, [childSecretsFileVariable]: secretsFile } };
};

function wrapAsync(
  name: (typeof asyncNames)[number],
  original: Spawner,
  sink: ChildOutputSink,
  secretsFile: string,
): Spawner {
  return function (this: unknown, ...args: unknown[]): unknown {
    const label = toChildLabel(args);
    let piped: ChildStream[] = [];
    const adjusted = withOptions(args, (options) => {
      const withEnv = withSecretsFile(options, secretsFile);
      // fork's stdio must keep its 'ipc' entry and exec/execFile always pipe: only spawn's is rewritten.
      if (name !== "spawn") return withEnv;
      const converted = toPipedStdio(options["stdio"]);
      piped = converted.piped;
      return converted.stdio === undefined ? withEnv : { ...withEnv, stdio: converted.stdio };
    });
    const child = original.apply(this, adjusted) as ChildProcess;
    tapChildOutput(child, label, sink, piped, speaksProtocolOnStdout(args) ? ["stdout"] : []);
    return child;
  };
}

function wrapSync(
  name: (typeof syncNames)[number],
  original: Spawner,
  sink: ChildOutputSink,
  secretsFile: string,
): Spawner {
  return function (this: unknown, ...args: unknown[]): unknown {
    const label = toChildLabel(args);
    let piped: ChildStream[] = [];
    const adjusted = withOptions(args, (options) => {
      const converted = toPipedStdio(options["stdio"]);
      piped = converted.piped;
      const withEnv = withSecretsFile(options, secretsFile);
      return converted.stdio === undefined ? withEnv : { ...withEnv, stdio: converted.stdio };
    });
    const record = (stream: ChildStream, value: unknown): void =>
      recordSync(sink, label, stream, value, piped.includes(stream));
    if (name === "spawnSync") {
      const result = original.apply(this, adjusted) as SpawnSyncReturns<Buffer | string>;
      record("stdout", result.stdout);
      record("stderr", result.stderr);
      // The caller asked for inherited streams: it gets no output back, as without the capture.
      const restored = { ...result } as { stdout: unknown; stderr: unknown; output: unknown[] };
      if (piped.includes("stdout")) restored.stdout = null;
      if (piped.includes("stderr")) restored.stderr = null;
      const wasInherited = (fd: number): boolean =>
        (fd === 1 && piped.includes("stdout")) || (fd === 2 && piped.includes("stderr"));
      if (Array.isArray(result.output))
        restored.output = result.output.map((entry, fd) => (wasInherited(fd) ? null : entry));
      return restored;
    }
    try {
      const stdout = original.apply(this, adjusted);
      record("stdout", stdout);
      return piped.includes("stdout") ? null : stdout;
    } catch (error) {
      const failed = error as { stdout?: unknown; stderr?: unknown };
      record("stdout", failed.stdout);
      record("stderr", failed.stderr);
      throw error;
    }
  };
}

/**
 * Wraps the module's functions for this test file; returns the function that puts the originals back. Another
 * capture's wrap still in place (its file ended without cleaning up) is replaced rather than wrapped again.
 */
export function installChildProcessCapture(
  sink: ChildOutputSink,
  secretsFile: string,
  target: ChildProcessModule = nodeChildProcess,
): () => void {
  const holder = target as unknown as { [originalsKey]?: ChildProcessModule };
  const originals = holder[originalsKey] ?? { ...target };
  holder[originalsKey] = originals;
  for (const name of asyncNames) target[name] = wrapAsync(name, originals[name], sink, secretsFile);
  for (const name of syncNames) target[name] = wrapSync(name, originals[name], sink, secretsFile);
  return () => {
    for (const name of [...asyncNames, ...syncNames]) target[name] = originals[name];
    delete holder[originalsKey];
  };
}
