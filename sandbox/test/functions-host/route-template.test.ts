import { compileRoute, matchRoute } from "../../src/functions-host/route-template";

describe("route templates", () => {
  it("matches literals case-insensitively and decodes parameters", () => {
    const route = compileRoute("connections/{id}/sync");
    expect(matchRoute(route, "/Connections/abc%20def/SYNC")).toStrictEqual({ id: "abc def" });
    expect(matchRoute(route, "/connections/abc")).toBeNull();
    expect(matchRoute(route, "/connections/abc/sync/more")).toBeNull();
  });

  it("supports optional trailing parameters and catch-alls", () => {
    const optional = compileRoute("items/{id?}");
    expect(matchRoute(optional, "/items")).toStrictEqual({});
    expect(matchRoute(optional, "/items/7")).toStrictEqual({ id: "7" });
    const catchAll = compileRoute("files/{*path}");
    expect(matchRoute(catchAll, "/files/a/b/c.txt")).toStrictEqual({ path: "a/b/c.txt" });
  });

  it("applies constraints", () => {
    const route = compileRoute("invoices/{id:guid}/lines/{n:int}");
    expect(matchRoute(route, "/invoices/0b5a2c1e-1111-4222-8333-444455556666/lines/3")).toStrictEqual({
      id: "0b5a2c1e-1111-4222-8333-444455556666",
      n: "3",
    });
    expect(matchRoute(route, "/invoices/not-a-guid/lines/3")).toBeNull();
    expect(() => compileRoute("x/{id:regex(a)}")).toThrow();
    expect(() => compileRoute("{a?}/b")).toThrow();
  });
});
