// A minimal ordered XML tree with one canonical serialisation. Components are built as trees, written with
// serializeXml(), and read back with parseXml(); serialize(parse(x)) === x for anything serialize wrote, which is
// what makes pack → unpack a byte-exact round trip.
import { XMLParser } from "fast-xml-parser";

export interface XmlElement {
  name: string;
  attrs: [string, string][];
  children: XmlNode[];
}
export type XmlNode = XmlElement | { text: string };

export const isElement = (node: XmlNode): node is XmlElement => "name" in node;

type Child = XmlNode | string | number | undefined | false | Child[];

const toChildren = (children: Child[]): XmlNode[] =>
  children.flatMap((child): XmlNode[] => {
    if (child === undefined || child === false) return [];
    if (Array.isArray(child)) return toChildren(child);
    if (typeof child === "string" || typeof child === "number") return [{ text: String(child) }];
    return [child];
  });

/** `el("cell", { id: "x" }, el("labels"))`; undefined attributes are left out. */
export const el = (name: string, attrs: Record<string, string | number | undefined> = {}, ...children: Child[]): XmlElement => ({
  name,
  attrs: Object.entries(attrs).flatMap(([key, value]): [string, string][] =>
    value === undefined ? [] : [[key, String(value)]],
  ),
  children: toChildren(children),
});

const escapeText = (text: string): string => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const escapeAttr = (text: string): string => escapeText(text).replace(/"/g, "&quot;");

const serializeNode = (node: XmlNode, depth: number, lines: string[]): void => {
  const pad = "  ".repeat(depth);
  if (!isElement(node)) {
    lines.push(pad + escapeText(node.text));
    return;
  }
  const attrs = node.attrs.map(([key, value]) => ` ${key}="${escapeAttr(value)}"`).join("");
  if (node.children.length === 0) {
    lines.push(`${pad}<${node.name}${attrs} />`);
    return;
  }
  const only = node.children[0];
  if (node.children.length === 1 && only !== undefined && !isElement(only)) {
    lines.push(`${pad}<${node.name}${attrs}>${escapeText(only.text)}</${node.name}>`);
    return;
  }
  lines.push(`${pad}<${node.name}${attrs}>`);
  for (const child of node.children) serializeNode(child, depth + 1, lines);
  lines.push(`${pad}</${node.name}>`);
};

/** Canonical text of an element: two-space indent, LF, `<?xml …?>` declaration, optional leading comment. */
export const serializeXml = (root: XmlElement, options: { comment?: string; declaration?: boolean } = {}): string => {
  const lines: string[] = [];
  if (options.declaration !== false) lines.push('<?xml version="1.0" encoding="utf-8"?>');
  if (options.comment !== undefined) lines.push(options.comment);
  serializeNode(root, 0, lines);
  return `${lines.join("\n")}\n`;
};

type Parsed = Record<string, unknown> & { ":@"?: Record<string, string> };

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: "",
  parseTagValue: false,
  parseAttributeValue: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  trimValues: true,
});

const fromParsed = (item: Parsed): XmlNode => {
  const name = Object.keys(item).find((key) => key !== ":@");
  if (name === undefined) throw new Error("unexpected empty XML node");
  if (name === "#text") return { text: String(item[name]) };
  const children = (item[name] as Parsed[]).map(fromParsed);
  const attrs = Object.entries(item[":@"] ?? {}).map(([k, v]): [string, string] => [k, String(v)]);
  return { name, attrs, children };
};

/** Parses XML text (comments and the declaration dropped) into the tree serializeXml writes. */
export const parseXml = (text: string): XmlElement => {
  const items = parser.parse(text) as Parsed[];
  const root = items.map(fromParsed).find(isElement);
  if (root === undefined) throw new Error("XML document has no root element");
  return root;
};

export const attr = (node: XmlElement, name: string): string | undefined => node.attrs.find(([k]) => k === name)?.[1];
export const childElements = (node: XmlElement, name?: string): XmlElement[] =>
  node.children.filter(isElement).filter((child) => name === undefined || child.name === name);
export const childElement = (node: XmlElement, name: string): XmlElement | undefined => childElements(node, name)[0];
export const textOf = (node: XmlElement | undefined): string | undefined => {
  const first = node?.children[0];
  return first !== undefined && !isElement(first) ? first.text : undefined;
};

/** Ordinal string order (not locale-aware), so the packer and the generator always agree on file order. */
export const compareOrdinal = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
