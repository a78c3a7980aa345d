// The pure parts of the child-process capture: which inherited streams become pipes, and a report's name for a child.
import { toChildLabel, toPipedStdio } from "../child-output";

describe("toPipedStdio", () => {
  it("turns inherited stdout and stderr into pipes, in every way a caller can say inherit", () => {
    expect(toPipedStdio("inherit")).toStrictEqual({ stdio: ["inherit", "pipe", "pipe"], piped: ["stdout", "stderr"] });
    expect(toPipedStdio(["ignore", 1, process.stderr])).toStrictEqual({
      stdio: ["ignore", "pipe", "pipe"],
      piped: ["stdout", "stderr"],
    });
    expect(toPipedStdio(["pipe", "ignore", "inherit"])).toStrictEqual({
      stdio: ["pipe", "ignore", "pipe"],
      piped: ["stderr"],
    });
  });

  it("leaves alone what is already piped or ignored, and the default", () => {
    expect(toPipedStdio(["pipe", "pipe", "pipe"])).toStrictEqual({ stdio: ["pipe", "pipe", "pipe"], piped: [] });
    expect(toPipedStdio("ignore")).toStrictEqual({ stdio: "ignore", piped: [] });
    expect(toPipedStdio(undefined)).toStrictEqual({ stdio: undefined, piped: [] });
  });
});

describe("toChildLabel", () => {
  it("names the command and its first plain arguments, never a script or a value", () => {
    expect(toChildLabel(["npm", ["run", "--silent", "sandbox"]])).toBe("npm run --silent sandbox");
    expect(toChildLabel(["node", ["-e", "console.log(1)", "--token=abcdef123456"]])).toBe("node -e");
    expect(toChildLabel(["ls"])).toBe("ls");
  });
});
