// One test file's log capture: every line that test file's code logs or prints, from wherever it comes —
// - the service's loggers (every entry any logger builds, whatever its sink or level, through the logger port's
//   observer) and the secrets they are told about,
// - console.* (the Functions library's default invocation log handler writes there),
// - process.stdout.write / process.stderr.write,
// - the stdout and stderr of child processes (child-output.ts),
// and the secrets it knows: what tests `rememberSecrets`, what the loggers learn, what the emulators issued in this
// process (`issuedSecrets()`) or in its children (the file they append to). `scan()` checks every line against them
// and against the shapes of secret-scan.ts. The ports are injectable so a test can stage a leak on its own console
// and streams without the file's real capture seeing it.
import { existsSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StringDecoder } from "node:string_decoder";
import { format } from "node:util";
import { observeLogs as observeServiceLogs, type LogObserver } from "../azure-functions/src/core/logger";
import { issuedSecrets as emulatorSecrets } from "../sandbox/src/issued-secrets";
import {
  installChildProcessCapture,
  nodeChildProcess,
  type ChildOutputSink,
  type ChildProcessModule,
  type ChildStream,
} from "./child-output";
import { minimumSecretLength, scanTexts, type Finding } from "./secret-scan";

/** Where a line came from: the totals count lines per kind of source. */
export type SourceKind = "logger" | "console" | "stdout" | "stderr" | "child";

export interface CapturedLine {
  kind: SourceKind;
  /** A precise source for a report, e.g. `child "npm run sandbox" stderr`. */
  source: string;
  text: string;
}

export interface WritableLike {
  write: (...args: never[]) => boolean;
}

export type ConsoleLike = Record<(typeof consoleMethods)[number], (...args: unknown[]) => void>;

export interface LogCapturePorts {
  console: ConsoleLike;
  stdout: WritableLike;
  stderr: WritableLike;
  observeLogs: (observer: LogObserver) => () => void;
  issuedSecrets: () => readonly string[];
  /** The node:child_process module object to wrap; absent: children are not wrapped. */
  childProcess?: ChildProcessModule;
  /** Where children append the secrets they issue. */
  childSecretsFile: string;
}

export interface ScanResult {
  lines: number;
  linesBySource: Record<SourceKind, number>;
  knownSecrets: number;
  findings: Finding[];
}

export interface LogCapture {
  /** Starts capturing; idempotent. */
  install(): void;
  /** Puts every wrapped function back and deletes the children's secrets file; idempotent. */
  restore(): void;
  rememberSecrets(...values: readonly (string | undefined)[]): void;
  lineCount(): number;
  /** Checks every line captured so far against every secret known now. */
  scan(): ScanResult;
}

const consoleMethods = ["log", "info", "debug", "warn", "error", "trace"] as const;
const writeOriginalKey = Symbol.for("xero-connector.log-scan.original-write");

let counter = 0;
/** A fresh path for a capture's children's secrets (created by the first child that issues one). */
export function newChildSecretsFile(): string {
  counter += 1;
  return join(tmpdir(), `xc-log-scan-${process.pid}-${Date.now()}-${counter}.secrets`);
}

export function createLogCapture(ports: LogCapturePorts): LogCapture {
  const lines: CapturedLine[] = [];
  const known = new Set<string>();
  /** Partial lines per stream (a name, or a child's output object). */
  const pending = new Map<unknown, { kind: SourceKind; source: string; text: string }>();
  const undo: Array<() => void> = [];
  let installed = false;

  const push = (kind: SourceKind, source: string, text: string): void => {
    for (const line of text.split("\n")) if (line.trim().length > 0) lines.push({ kind, source, text: line });
  };

  /** Stream text arrives in chunks; a line is complete at its newline (or when the stream ends). */
  const pushPart = (key: unknown, kind: SourceKind, source: string, text: string): void => {
    const joined = (pending.get(key)?.text ?? "") + text;
    const cut = joined.lastIndexOf("\n");
    if (cut < 0) {
      pending.set(key, { kind, source, text: joined });
      return;
    }
    push(kind, source, joined.slice(0, cut));
    if (cut === joined.length - 1) pending.delete(key);
    else pending.set(key, { kind, source, text: joined.slice(cut + 1) });
  };
  const flush = (key: unknown): void => {
    const rest = pending.get(key);
    if (rest === undefined) return;
    pending.delete(key);
    push(rest.kind, rest.source, rest.text);
  };

  const rememberSecrets = (...values: readonly (string | undefined)[]): void => {
    for (const value of values) if (value !== undefined && value.length >= minimumSecretLength) known.add(value);
  };

  const originalWrites = new Map<ChildStream, WritableLike["write"]>();
  const childSink: ChildOutputSink = {
    write: (output, text) => pushPart(output, "child", `child "${output.label}" ${output.stream}`, text),
    end: (output) => flush(output),
    passOn: (stream, chunk) => {
      const target = ports[stream];
      const write = originalWrites.get(stream) ?? target.write;
      (write as (chunk: Buffer | string) => boolean).call(target, chunk);
    },
  };

  const wrapConsole = (): void => {
    const target = ports.console;
    const jest = target as { _buffer?: unknown; _logError?: unknown };
    // Jest's verbose console (one test file, --verbose) prints through process.stdout, captured there; its silent
    // one prints nothing.
    if (typeof jest._logError === "function") return;
    // Jest's buffered console (the workers'): watch what enters its buffer, after it has worked out the call site,
    // so the origin Jest prints stays the test's line rather than a frame of ours.
    if (Array.isArray(jest._buffer)) {
      const buffer = jest._buffer as { type: string; message: string }[] & { push: (...items: unknown[]) => number };
      buffer.push = (...entries: unknown[]): number => {
        for (const entry of entries as { type: string; message: string }[])
          push("console", `console.${entry.type}`, entry.message);
        return Array.prototype.push.apply(buffer, entries);
      };
      undo.push(() => {
        delete (buffer as { push?: unknown }).push;
      });
      return;
    }
    for (const method of consoleMethods) {
      const original = target[method];
      target[method] = (...args: unknown[]) => {
        push("console", `console.${method}`, format(...args));
        original.apply(target, args);
      };
      undo.push(() => {
        target[method] = original;
      });
    }
  };

  const wrapStream = (name: ChildStream): void => {
    const stream = ports[name] as WritableLike & { [writeOriginalKey]?: WritableLike["write"] };
    // A wrap left by a file that ended without cleaning up is replaced, not stacked.
    const original = stream[writeOriginalKey] ?? stream.write;
    stream[writeOriginalKey] = original;
    originalWrites.set(name, original);
    const decoder = new StringDecoder("utf8");
    stream.write = function (this: unknown, ...args: unknown[]): boolean {
      const [chunk, encoding] = args;
      const text =
        typeof chunk === "string"
          ? chunk
          : chunk instanceof Uint8Array
            ? typeof encoding === "string" && encoding !== "utf8" && encoding !== "utf-8"
              ? Buffer.from(chunk).toString(encoding as BufferEncoding)
              : decoder.write(Buffer.from(chunk))
            : String(chunk);
      pushPart(name, name, name, text);
      return (original as (...rest: unknown[]) => boolean).apply(this, args);
    };
    undo.push(() => {
      stream.write = original;
      delete stream[writeOriginalKey];
    });
  };

  const childSecrets = (): string[] => {
    if (!existsSync(ports.childSecretsFile)) return [];
    return readFileSync(ports.childSecretsFile, "utf8").split("\n");
  };

  return {
    install() {
      if (installed) return;
      installed = true;
      undo.push(
        ports.observeLogs({
          entry: (entry) => push("logger", "logger", JSON.stringify(entry)),
          secrets: (values) => rememberSecrets(...values),
        }),
      );
      wrapConsole();
      wrapStream("stdout");
      wrapStream("stderr");
      if (ports.childProcess !== undefined)
        undo.push(installChildProcessCapture(childSink, ports.childSecretsFile, ports.childProcess));
    },
    restore() {
      while (undo.length > 0) undo.pop()?.();
      rmSync(ports.childSecretsFile, { force: true });
    },
    rememberSecrets,
    lineCount: () => lines.length + pending.size,
    scan() {
      for (const key of [...pending.keys()]) flush(key);
      const secrets = new Set([...known, ...ports.issuedSecrets(), ...childSecrets()]);
      const linesBySource: Record<SourceKind, number> = { logger: 0, console: 0, stdout: 0, stderr: 0, child: 0 };
      for (const line of lines) linesBySource[line.kind] += 1;
      return {
        lines: lines.length,
        linesBySource,
        knownSecrets: [...secrets].filter((secret) => secret.length >= minimumSecretLength).length,
        findings: scanTexts(lines, secrets),
      };
    },
  };
}

/** This process's real console, streams, loggers, emulators and child_process module. */
export function realPorts(): LogCapturePorts {
  return {
    console,
    stdout: process.stdout,
    stderr: process.stderr,
    observeLogs: observeServiceLogs,
    issuedSecrets: emulatorSecrets,
    childProcess: nodeChildProcess,
    childSecretsFile: newChildSecretsFile(),
  };
}

// ---- the test file's own capture (set by log-scan-setup.ts; one module instance per test file under Jest) ----

let active: LogCapture | undefined;
const early = new Set<string>();

export function setActiveCapture(capture: LogCapture): void {
  active = capture;
  capture.rememberSecrets(...early);
  early.clear();
}

/** Values no log line of this test file may contain (besides those the loggers and emulators know by themselves). */
export function rememberSecrets(...values: readonly (string | undefined)[]): void {
  if (active !== undefined) active.rememberSecrets(...values);
  else for (const value of values) if (value !== undefined) early.add(value);
}

/** How many lines this file captured so far (a test can prove the capture works). */
export function capturedLineCount(): number {
  return active?.lineCount() ?? 0;
}
