// Forms (<systemform> with FormXml): tabs, sections, field cells, subgrids, form libraries and event handlers.
// Form XML schema: https://learn.microsoft.com/power-apps/developer/model-driven-apps/form-xml-schema
// Handlers get the execution context: passExecutionContext="true".
import type { Column, Form, FormCell, FormHandler } from "../../../customizations/src/schema";
import { braced, stableGuid } from "../guid";
import { el, type XmlElement } from "../xml";
import { type Context, descriptions, labels, localizedNames, tableByName } from "./common";

export const formId = (form: Form): string => stableGuid("form", form.table, form.name);
export const viewId = (table: string, name: string): string => stableGuid("savedquery", table, name);
const libraryId = (name: string): string => stableGuid("library", name);

/** Control class ids of the standard field controls (Form XML "classid"). */
const classIds = {
  text: "{4273EDBD-AC1D-40d3-9FB2-095C621B552D}",
  email: "{ADA2203E-B4CD-49be-9DDF-234642B43B52}",
  url: "{71716B6C-711E-476c-8AB8-5D11542BFB47}",
  phone: "{8C10015A-B339-4982-9474-A95FE05631A5}",
  memo: "{E0DECE4B-6FC8-4a8f-A065-082708572369}",
  integer: "{C6D124CA-7EDA-4a60-AEA9-7FB8D318B68F}",
  decimal: "{C3EFE0C3-0EC6-42be-8349-CBD9079DFD8E}",
  float: "{0D2C745A-E5A8-4c8f-BA63-C6D3BB604660}",
  money: "{533B9E00-756B-4312-95A0-DC888637AC78}",
  boolean: "{67FAC785-CD58-4f9f-ABB3-4B7DDC6ED5ED}",
  datetime: "{5B773807-9FB2-42db-97C3-7A91EFF8ADFF}",
  picklist: "{3EF39988-22BB-4f0b-BBBE-64B5A3748AEE}",
  status: "{5D68B988-0661-4db2-BC3E-17598AD3BE6C}",
  lookup: "{270BD3DB-D9AF-4782-9025-509E298DEC0A}",
  subgrid: "{E7A81278-8635-4d9e-8D4D-59480B391C5B}",
} as const;

const classIdOf = (column: Column): string => {
  switch (column.type) {
    case "String":
      return { Text: classIds.text, TextArea: classIds.memo, Email: classIds.email, Url: classIds.url, Phone: classIds.phone }[column.format];
    case "Memo":
      return classIds.memo;
    case "Integer":
    case "BigInt":
      return classIds.integer;
    case "Decimal":
      return classIds.decimal;
    case "Double":
      return classIds.float;
    case "Money":
      return classIds.money;
    case "Boolean":
      return classIds.boolean;
    case "DateTime":
      return classIds.datetime;
    case "Picklist":
    case "State":
      return classIds.picklist;
    case "Status":
      return classIds.status;
    default:
      return classIds.lookup;
  }
};

const cellElement = (ctx: Context, form: Form, path: string, cell: FormCell): XmlElement => {
  const id = braced(stableGuid("cell", form.table, form.name, path));
  if (cell.kind === "subgrid") {
    return el(
      "cell",
      { id, showlabel: "true", locklevel: 0, rowspan: 8, colspan: 1 },
      labels("labels", "label", cell.label),
      el(
        "control",
        { id: cell.name, classid: classIds.subgrid, indicationOfSubgrid: "true" },
        el(
          "parameters",
          {},
          el("ViewId", {}, braced(viewId(cell.table, cell.view))),
          el("IsUserView", {}, "false"),
          el("RelationshipName", {}, cell.relationship),
          el("TargetEntityType", {}, cell.table),
          el("AutoExpand", {}, "Fixed"),
          el("EnableQuickFind", {}, "false"),
          el("EnableViewPicker", {}, "false"),
          el("EnableJumpBar", {}, "false"),
          el("ChartGridMode", {}, "Grid"),
          el("VisualizationId", {}),
          el("IsUserChart", {}, "false"),
          el("EnableChartPicker", {}, "false"),
          el("RecordsPerPage", {}, 10),
        ),
      ),
    );
  }
  const column = tableByName(ctx.model, form.table).columns.find((c) => c.logicalName === cell.column);
  if (column === undefined) throw new Error(`form "${form.name}" (${form.table}) names column ${cell.column}, which table ${form.table} does not have`);
  return el(
    "cell",
    { id, showlabel: "true", locklevel: 0 },
    labels("labels", "label", column.displayName),
    el("control", {
      id: column.logicalName,
      classid: classIdOf(column),
      datafieldname: column.logicalName,
      disabled: cell.readOnly ? "true" : "false",
    }),
  );
};

const handlerElement = (form: Form, handler: FormHandler): XmlElement =>
  el("Handler", {
    functionName: handler.functionName,
    libraryName: handler.library,
    handlerUniqueId: braced(stableGuid("handler", form.table, form.name, handler.event, handler.column ?? "", handler.functionName)),
    enabled: "true",
    parameters: "",
    passExecutionContext: "true",
  });

const eventsElement = (form: Form): XmlElement | undefined => {
  if (form.handlers.length === 0) return undefined;
  const groups = new Map<string, FormHandler[]>();
  for (const handler of form.handlers) {
    const key = `${handler.event}|${handler.column ?? ""}`;
    groups.set(key, [...(groups.get(key) ?? []), handler]);
  }
  return el(
    "events",
    {},
    [...groups.entries()].map(([key, handlers]) => {
      const [event, column] = key.split("|");
      return el(
        "event",
        { name: event, application: "false", active: "false", attribute: column === "" ? undefined : column },
        el("Handlers", {}, handlers.map((h) => handlerElement(form, h))),
      );
    }),
  );
};

const formElement = (ctx: Context, form: Form): XmlElement =>
  el(
    "form",
    {},
    el(
      "tabs",
      {},
      form.tabs.map((tab) =>
        el(
          "tab",
          {
            name: tab.name,
            id: braced(stableGuid("tab", form.table, form.name, tab.name)),
            IsUserDefined: "0",
            locklevel: 0,
            showlabel: "true",
            expanded: "true",
          },
          labels("labels", "label", tab.label),
          el(
            "columns",
            {},
            el(
              "column",
              { width: "100%" },
              el(
                "sections",
                {},
                tab.sections.map((section) =>
                  el(
                    "section",
                    {
                      name: section.name,
                      showlabel: "true",
                      showbar: "false",
                      locklevel: 0,
                      id: braced(stableGuid("section", form.table, form.name, tab.name, section.name)),
                      IsUserDefined: "0",
                      layout: "varwidth",
                      columns: "1",
                      labelwidth: 115,
                      celllabelalignment: "Left",
                      celllabelposition: "Left",
                    },
                    labels("labels", "label", section.label),
                    el(
                      "rows",
                      {},
                      section.cells.map((cell, index) =>
                        el("row", {}, cellElement(ctx, form, `${tab.name}/${section.name}/${index}`, cell)),
                      ),
                    ),
                  ),
                ),
              ),
            ),
          ),
        ),
      ),
    ),
    form.libraries.length === 0
      ? undefined
      : el(
          "formLibraries",
          {},
          form.libraries.map((name) => el("Library", { name, libraryUniqueId: braced(libraryId(name)) })),
        ),
    eventsElement(form),
    el("DisplayConditions", { Order: 0, FallbackForm: "true" }, el("Everyone", {})),
  );

/** One <systemform>; the unpacked tree keeps it in Entities/<Table>/FormXml/<type>/{id}.xml. */
export const systemFormElement = (ctx: Context, form: Form): XmlElement =>
  el(
    "systemform",
    {},
    el("formid", {}, braced(formId(form))),
    el("IntroducedVersion", {}, ctx.version),
    el("FormPresentation", {}, 1),
    el("FormActivationState", {}, 1),
    formElement(ctx, form),
    el("IsCustomizable", {}, "1"),
    el("CanBeDeleted", {}, "1"),
    localizedNames(form.name),
    descriptions(form.description === "" ? form.name : form.description),
  );
