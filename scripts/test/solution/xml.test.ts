import { el, parseXml, serializeXml } from "../../solution/xml";

describe("canonical XML", () => {
  const doc = el(
    "root",
    { a: 'quote " amp & lt <', b: "plain" },
    el("empty"),
    el("text", {}, "1 < 2 & 3 > 2"),
    el("nested", {}, el("leaf", { x: "1" }), el("leaf", { x: "2" }, "t")),
  );

  it("parses back to the same tree, escapes included", () => {
    expect(parseXml(serializeXml(doc))).toStrictEqual(doc);
  });

  it("serializes what it parsed to the same text (the basis of the pack/unpack round trip)", () => {
    const text = serializeXml(doc, { comment: "<!-- marker -->", declaration: false });
    expect(text.startsWith("<!-- marker -->\n<root")).toBe(true);
    expect(serializeXml(parseXml(text), { comment: "<!-- marker -->", declaration: false })).toBe(text);
  });

  it("keeps numeric-looking text as text", () => {
    expect(parseXml("<a><b>0012</b><c>1.50</c></a>")).toStrictEqual(el("a", {}, el("b", {}, "0012"), el("c", {}, "1.50")));
  });
});
