// What the agent, the console and the CLI must agree on, in one place.
export { MAX_HEALTH_SECONDS } from "./health";
export { isValidPackageName, PACKAGE_NAME_RULE, packageNameProblem } from "./package-name";
export { credentialsProofMessage, enrollProofMessage } from "./proofs";
export {
  formatLabels,
  LABEL_KEY_RULE,
  LABEL_VALUE_RULE,
  labelKeyProblem,
  labelValueProblem,
  type LabelEdits,
  matchesSelector,
  MAX_LABELS,
  parseLabelEdits,
  parseSelector,
  type Requirement,
  type Selector,
  SelectorError,
} from "./selector";
export { deviceTotals, type DeviceSampleShape, type DeviceTotals, fullestFilesystem } from "./device-totals";
