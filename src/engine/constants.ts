/**
 * Names every face of the project must agree on. The CLI commands, the data plane and the
 * controller all default to the same controller name, so a manifest checked with `status`
 * is owned by the same controller that `serve` and `controller` run as.
 */

/** The controllerName of GatewayClasses this project serves when none is given. */
export const DEFAULT_CONTROLLER_NAME = 'gateway.cdk8s.io/controller';
