// What the agent, the console and the CLI must agree on, in one place.
export { MAX_HEALTH_SECONDS } from "./health";
export { isValidPackageName, PACKAGE_NAME_RULE, packageNameProblem } from "./package-name";
export { credentialsProofMessage, enrollProofMessage } from "./proofs";
