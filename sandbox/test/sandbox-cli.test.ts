// `npm run sandbox` and `npm start` as a user runs them: wait until they are ready, read the endpoints file, call the
// endpoints, interrupt the process (SIGINT), and check that nothing of its process group is left, Azurite included.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { QueueServiceClient } from "@azure/storage-queue";
import { readEndpointsFile } from "../src";

const repositoryRoot = join(__dirname, "..", "..");

/** Pids of the processes in a process group, read from /proc (field 5 of /proc/<pid>/stat is the group). */
function processGroupMembers(pgid: number): Array<{ pid: number; command: string }> {
  const members: Array<{ pid: number; command: string }> = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // The command name is in parentheses and may hold spaces; the fields after it are space-separated.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (fields[0] === "Z") continue;
      if (Number(fields[2]) !== pgid) continue;
      members.push({ pid: Number(entry), command: readFileSync(`/proc/${entry}/cmdline`, "utf8").replace(/\0/g, " ") });
    } catch {
      // The process ended while we looked.
    }
  }
  return members;
}

function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
}

async function waitFor<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("npm run sandbox", () => {
  let child: ChildProcess | undefined;
  let folder: string;

  beforeAll(() => {
    folder = mkdtempSync(join(tmpdir(), "sandbox-cli-"));
  });
  afterAll(() => {
    // Whatever happened, leave nothing running.
    if (child?.pid !== undefined) {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
    rmSync(folder, { recursive: true, force: true });
  });

  it("starts, writes working endpoints, and stops every process on SIGINT", async () => {
    const endpointsFile = join(folder, "endpoints.json");
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      SANDBOX_ENDPOINTS_FILE: endpointsFile,
      SANDBOX_DATAVERSE_PORT: "0",
      SANDBOX_XERO_PORT: "0",
      SANDBOX_XERO_IDENTITY_PORT: "0",
      AZURITE_BLOB_PORT: "0",
      AZURITE_QUEUE_PORT: "0",
      AZURITE_TABLE_PORT: "0",
      FUNCTIONS_PORT: "0",
    };
    // Its own process group, like a job in a terminal, so what it leaves behind can be found by group.
    child = spawn("npm", ["run", "--silent", "sandbox"], {
      cwd: repositoryRoot,
      env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child?.once("exit", (code, signal) => resolve({ code, signal })),
    );
    const pgid = child.pid as number;

    await waitFor(
      () => (/^sandbox ready/m.test(output) ? true : undefined),
      45_000,
      `"sandbox ready" (output so far: ${output})`,
    );

    const endpoints = await readEndpointsFile(endpointsFile);
    expect(endpoints.xeroApiUrl).toMatch(/\/api\.xro\/2\.0$/);
    expect(output).toContain(endpoints.xeroApiUrl);
    expect(output).not.toContain(endpoints.xeroAccessToken);
    expect(output).not.toContain(endpoints.dataverseAccessToken);

    // Each endpoint answers, with the credentials the file gives.
    const organisation = await fetch(`${endpoints.xeroApiUrl}/Organisation`, {
      headers: {
        authorization: `Bearer ${endpoints.xeroAccessToken}`,
        "xero-tenant-id": endpoints.xeroTenantId,
        accept: "application/json",
      },
    });
    expect(organisation.status).toBe(200);
    const discovery = await fetch(`${endpoints.xeroIdentityUrl}/.well-known/openid-configuration`);
    expect(discovery.status).toBe(200);
    const whoAmI = await fetch(`${endpoints.dataverseWebApiUrl}WhoAmI`, {
      headers: { authorization: `Bearer ${endpoints.dataverseAccessToken}`, accept: "application/json" },
    });
    expect(whoAmI.status).toBe(200);
    const queues = QueueServiceClient.fromConnectionString(endpoints.azureStorageConnectionString);
    await queues.createQueue("cli-smoke");
    const names: string[] = [];
    for await (const queue of queues.listQueues()) names.push(queue.name);
    expect(names).toContain("cli-smoke");

    // npm → sh → tsx → the sandbox's node process → Azurite. The signal goes to the sandbox process alone (a
    // terminal's Ctrl-C would reach Azurite too and hide whether the sandbox stops it).
    const azurite = processGroupMembers(pgid).find((member) => member.command.includes("azurite"));
    expect(azurite).toBeDefined();
    const sandboxPid = parentOf(azurite?.pid as number);
    expect(processGroupMembers(pgid).find((member) => member.pid === sandboxPid)?.command).toContain(
      "sandbox/src/cli.ts",
    );

    process.kill(sandboxPid, "SIGINT");
    const { code } = await exited;
    expect(code).toBe(0);
    const left = await waitFor(
      () => {
        const alive = processGroupMembers(pgid);
        return alive.length === 0 ? alive : undefined;
      },
      15_000,
      "every process of the sandbox to end",
    );
    expect(left).toStrictEqual([]);
    expect(output).toContain("sandbox stopped");
  }, 120_000);
});

describe("npm start", () => {
  let child: ChildProcess | undefined;
  let folder: string;

  beforeAll(() => {
    folder = mkdtempSync(join(tmpdir(), "sandbox-start-cli-"));
  });
  afterAll(() => {
    if (child?.pid !== undefined) {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
    rmSync(folder, { recursive: true, force: true });
  });

  it("brings the service up on the sandbox, connects the demo org, and leaves nothing behind on SIGINT", async () => {
    const endpointsFile = join(folder, "endpoints.json");
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      SANDBOX_ENDPOINTS_FILE: endpointsFile,
      START_DEMO: "0",
      SANDBOX_DATAVERSE_PORT: "0",
      SANDBOX_XERO_PORT: "0",
      SANDBOX_XERO_IDENTITY_PORT: "0",
      AZURITE_BLOB_PORT: "0",
      AZURITE_QUEUE_PORT: "0",
      AZURITE_TABLE_PORT: "0",
      FUNCTIONS_PORT: "0",
    };
    child = spawn("npm", ["start", "--silent"], {
      cwd: repositoryRoot,
      env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child?.once("exit", (code) => resolve(code)));
    const pgid = child.pid as number;

    await waitFor(
      () => (/Ready in [\d.]+ s/.test(output) ? true : undefined),
      60_000,
      `"Ready" (output so far: ${output})`,
    );
    expect(output).toContain("Connecting the demo org to Xero");
    const endpoints = await readEndpointsFile(endpointsFile);
    expect(endpoints.functionsUrl).toBeDefined();
    // The host answers (an unknown route is a 404 from the host itself, not a refused connection).
    expect((await fetch(`${endpoints.functionsUrl}/api/no-such-function`)).status).toBe(404);

    const azurite = processGroupMembers(pgid).find((member) => member.command.includes("azurite"));
    expect(azurite).toBeDefined();
    const startPid = parentOf(azurite?.pid as number);
    expect(processGroupMembers(pgid).find((member) => member.pid === startPid)?.command).toContain("scripts/start.ts");

    process.kill(startPid, "SIGINT");
    expect(await exited).toBe(0);
    await waitFor(
      () => (processGroupMembers(pgid).length === 0 ? true : undefined),
      15_000,
      "every process of npm start to end",
    );
    expect(output).toContain("nothing left running");
  }, 150_000);
});
