// Views (<savedquery> with FetchXML and layout XML) and charts (<visualization>).
// https://learn.microsoft.com/power-apps/developer/model-driven-apps/customize-entity-views
// https://learn.microsoft.com/power-apps/developer/model-driven-apps/sample-charts
import type { Chart, Table, View, ViewCondition } from "../../../customizations/src/schema";
import { braced, stableGuid } from "../guid";
import { el, serializeXml, type XmlElement } from "../xml";
import { type Context, descriptions, localizedNames, tableByName } from "./common";
import { viewId } from "./forms";

export const chartId = (chart: Chart): string => stableGuid("visualization", chart.table, chart.name);

const conditionElement = (condition: ViewCondition): XmlElement => {
  if (condition.operator === "in") {
    return el("condition", { attribute: condition.column, operator: "in" }, condition.values.map((v) => el("value", {}, String(v))));
  }
  const value = condition.values[0];
  return el("condition", {
    attribute: condition.column,
    operator: condition.operator,
    value: value === undefined ? undefined : String(value),
  });
};

const fetchElement = (table: Table, view: View): XmlElement =>
  el(
    "fetch",
    { version: "1.0", mapping: "logical" },
    el(
      "entity",
      { name: table.logicalName },
      el("attribute", { name: table.primaryIdAttribute }),
      view.columns.filter((c) => c.column !== table.primaryIdAttribute).map((c) => el("attribute", { name: c.column })),
      el("order", { attribute: view.orderBy.column, descending: view.orderBy.descending ? "true" : "false" }),
      view.conditions.length === 0 ? undefined : el("filter", { type: "and" }, view.conditions.map(conditionElement)),
    ),
  );

const layoutElement = (table: Table, view: View): XmlElement =>
  el(
    "grid",
    { name: "resultset", jump: table.primaryNameAttribute, select: "1", icon: "1", preview: "1" },
    el(
      "row",
      { name: "result", id: table.primaryIdAttribute },
      view.columns.map((c) => el("cell", { name: c.column, width: c.width })),
    ),
  );

export const savedQueryElement = (ctx: Context, view: View): XmlElement => {
  const table = tableByName(ctx.model, view.table);
  return el(
    "savedquery",
    {},
    el("IsCustomizable", {}, "1"),
    el("CanBeDeleted", {}, view.isDefault ? "0" : "1"),
    el("isquickfindquery", {}, view.queryType === 4 ? "1" : "0"),
    el("isprivate", {}, "0"),
    el("isdefault", {}, view.isDefault ? "1" : "0"),
    el("returnedtypecode", {}, view.table),
    el("savedqueryid", {}, braced(viewId(view.table, view.name))),
    el("layoutxml", {}, layoutElement(table, view)),
    el("querytype", {}, view.queryType),
    el("fetchxml", {}, fetchElement(table, view)),
    el("IntroducedVersion", {}, ctx.version),
    localizedNames(view.name),
    descriptions(view.description === "" ? view.name : view.description),
  );
};

/** Chart data and presentation descriptions are XML documents stored as text, as exports carry them. */
const dataDescription = (table: Table, chart: Chart): string =>
  serializeXml(
    el(
      "datadefinition",
      {},
      el(
        "fetchcollection",
        {},
        el(
          "fetch",
          { mapping: "logical", aggregate: "true" },
          el(
            "entity",
            { name: table.logicalName },
            el("attribute", { groupby: "true", alias: "groupby_column", name: chart.groupBy }),
            el("attribute", { alias: "aggregate_column", name: chart.countColumn, aggregate: "count" }),
          ),
        ),
      ),
      el(
        "categorycollection",
        {},
        el(
          "category",
          { alias: "groupby_column" },
          el("measurecollection", {}, el("measure", { alias: "aggregate_column" })),
        ),
      ),
    ),
    { declaration: false },
  ).trim();

const presentationDescription = (chart: Chart): string =>
  serializeXml(
    el(
      "Chart",
      { Palette: "None" },
      el("Series", {}, el("Series", { ChartType: chart.chartType, IsValueShownAsLabel: "True", Font: "{0}, 9.5px", LabelForeColor: "59, 59, 59" })),
      el("ChartAreas", {}, el("ChartArea", { BorderColor: "White", BorderDashStyle: "Solid" })),
      el("Titles", {}, el("Title", { Alignment: "TopLeft", DockingOffset: "-3", Font: "{0}, 13px", ForeColor: "59, 59, 59" })),
    ),
    { declaration: false },
  ).trim();

export const visualizationElement = (ctx: Context, chart: Chart): XmlElement => {
  const table = tableByName(ctx.model, chart.table);
  return el(
    "visualization",
    {},
    el("savedqueryvisualizationid", {}, braced(chartId(chart))),
    el("datadescription", {}, dataDescription(table, chart)),
    el("presentationdescription", {}, presentationDescription(chart)),
    el("isdefault", {}, "0"),
    el("primaryentitytypecode", {}, chart.table),
    el("IsCustomizable", {}, "1"),
    el("IntroducedVersion", {}, ctx.version),
    el("CanBeDeleted", {}, "1"),
    localizedNames(chart.name),
    descriptions(chart.description === "" ? chart.name : chart.description),
  );
};
