// Small pieces shared by the component writers: labels, flags, ids.
import type { Model, Table } from "../../../customizations/src/schema";
import { el, type XmlElement } from "../xml";

export const languageCode = 1033;

export interface Context {
  model: Model;
  version: string;
}

export const flag = (value: boolean): string => (value ? "1" : "0");

/** `<wrapper><item description="…" languagecode="1033" /></wrapper>` */
export const labels = (wrapper: string, item: string, description: string): XmlElement =>
  el(wrapper, {}, el(item, { description, languagecode: languageCode }));

export const localizedNames = (text: string): XmlElement => labels("LocalizedNames", "LocalizedName", text);
export const descriptions = (text: string): XmlElement => labels("Descriptions", "Description", text);
export const displayNames = (text: string): XmlElement => labels("displaynames", "displayname", text);

export const tableByName = (model: Model, name: string): Table => {
  const table = model.tables.find((t) => t.logicalName === name);
  if (table === undefined) throw new Error(`unknown table ${name}`);
  return table;
};

/** Columns the solution adds (its publisher prefix), as opposed to Dataverse's own. */
export const isSolutionColumn = (model: Model, name: string): boolean => name.startsWith(`${model.publisher.prefix}_`);
