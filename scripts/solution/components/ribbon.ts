// Command bar buttons as RibbonDiffXml (custom action + command definition + rules + labels) per table.
// https://learn.microsoft.com/power-apps/developer/model-driven-apps/define-ribbon-commands
// https://learn.microsoft.com/power-apps/developer/model-driven-apps/define-ribbon-enable-rules
import type { RibbonCommand } from "../../../customizations/src/schema";
import { el, type XmlElement } from "../xml";

const ids = (command: RibbonCommand) => {
  const base = `mag.${command.table}.${command.id}`;
  return {
    action: `${base}.Button.CustomAction`,
    button: `${base}.Button`,
    command: `${base}.Command`,
    enableRule: `${base}.EnableRule`,
    selectionRule: `${base}.SelectionRule`,
    label: `${base}.Button.LabelText`,
    tooltip: `${base}.Button.ToolTipDescription`,
  };
};

/** Where the button goes: the form's main tab, or the grid's main tab (Management group). */
const location = (command: RibbonCommand): string =>
  command.location === "Form"
    ? `Mscrm.Form.${command.table}.MainTab.Save.Controls._children`
    : `Mscrm.HomepageGrid.${command.table}.MainTab.Management.Controls._children`;

const webResource = (name: string): string => `$webresource:${name}`;

const customAction = (command: RibbonCommand): XmlElement => {
  const id = ids(command);
  return el(
    "CustomAction",
    { Id: id.action, Location: location(command), Sequence: 900 },
    el(
      "CommandUIDefinition",
      {},
      el("Button", {
        Alt: `$LocLabels:${id.label}`,
        Command: id.command,
        Id: id.button,
        Image16by16: command.icon16 === undefined ? undefined : webResource(command.icon16),
        Image32by32: command.icon32 === undefined ? undefined : webResource(command.icon32),
        LabelText: `$LocLabels:${id.label}`,
        Sequence: 900,
        TemplateAlias: "o1",
        ToolTipTitle: `$LocLabels:${id.label}`,
        ToolTipDescription: `$LocLabels:${id.tooltip}`,
      }),
    ),
  );
};

const commandDefinition = (command: RibbonCommand): XmlElement => {
  const id = ids(command);
  const enableRules = [
    ...(command.enableFunction === undefined ? [] : [id.enableRule]),
    ...(command.requiresSelection ? [id.selectionRule] : []),
  ];
  return el(
    "CommandDefinition",
    { Id: id.command },
    el("EnableRules", {}, enableRules.map((rule) => el("EnableRule", { Id: rule }))),
    el("DisplayRules", {}),
    el(
      "Actions",
      {},
      el(
        "JavaScriptFunction",
        { FunctionName: command.functionName, Library: webResource(command.library) },
        command.parameters.map((value) => el("CrmParameter", { Value: value })),
      ),
    ),
  );
};

const enableRules = (command: RibbonCommand): XmlElement[] => {
  const id = ids(command);
  return [
    ...(command.enableFunction === undefined
      ? []
      : [
          el(
            "EnableRule",
            { Id: id.enableRule },
            el(
              "CustomRule",
              { FunctionName: command.enableFunction, Library: webResource(command.library), Default: "false" },
              el("CrmParameter", { Value: "PrimaryControl" }),
            ),
          ),
        ]),
    ...(command.requiresSelection
      ? [el("EnableRule", { Id: id.selectionRule }, el("SelectionCountRule", { AppliesTo: "SelectedEntity", Minimum: 1 }))]
      : []),
  ];
};

const locLabel = (id: string, text: string): XmlElement =>
  el("LocLabel", { Id: id }, el("Titles", {}, el("Title", { description: text, languagecode: 1033 })));

/** The RibbonDiffXml of one table (an empty diff when the table has no commands). */
export const ribbonDiffElement = (commands: RibbonCommand[]): XmlElement =>
  el(
    "RibbonDiffXml",
    {},
    el("CustomActions", {}, commands.map(customAction)),
    el("Templates", {}, el("RibbonTemplates", { Id: "Mscrm.Templates" })),
    el("CommandDefinitions", {}, commands.map(commandDefinition)),
    el(
      "RuleDefinitions",
      {},
      el("TabDisplayRules", {}),
      el("DisplayRules", {}),
      el("EnableRules", {}, commands.flatMap(enableRules)),
    ),
    el(
      "LocLabels",
      {},
      commands.flatMap((command) => [locLabel(ids(command).label, command.label), locLabel(ids(command).tooltip, command.label)]),
    ),
  );
