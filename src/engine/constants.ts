/**
 * Names every face of the project must agree on. The CLI commands, the data plane and the
 * controller all default to the same controller name, so a manifest checked with `status`
 * is owned by the same controller that `serve` and `controller` run as.
 */
import { createHash } from 'crypto';

/** The controllerName of GatewayClasses this project serves when none is given. */
export const DEFAULT_CONTROLLER_NAME = 'gateway.cdk8s.io/controller';

/** The label GEP-1762 puts on the resources made for a Gateway: its name. */
export const GATEWAY_NAME_LABEL = 'gateway.networking.k8s.io/gateway-name';

const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** Eight hex digits of a name's SHA-256: what keeps two shortened names apart. */
function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 8);
}

/**
 * The name of a Gateway's proxy Service (and Deployment and ServiceAccount), on which the
 * constructs that deploy it and the controller that reads its addresses agree: `<gateway>-proxy`
 * when that is a valid Service name (a DNS-1035 label of at most 63 characters), otherwise a
 * shortened, cleaned name with a digest of the Gateway's name, so that `a.b` and `a-b` differ.
 */
export function proxyServiceName(gatewayName: string): string {
  const plain = `${gatewayName}-proxy`;
  if (DNS_LABEL.test(plain) && plain.length <= 63) return plain;
  const cleaned = gatewayName.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^[^a-z]+/, '').slice(0, 40).replace(/-+$/, '');
  return `gw-${cleaned ? `${cleaned}-` : ''}${digest(gatewayName)}-proxy`;
}

/**
 * The value of GATEWAY_NAME_LABEL for a Gateway: its name when that is a valid label value (at
 * most 63 characters), otherwise its first 54 characters and a digest. A Gateway name is a DNS
 * subdomain of up to 253 characters, which a label value cannot hold.
 */
export function gatewayNameLabelValue(gatewayName: string): string {
  if (LABEL_VALUE.test(gatewayName) && gatewayName.length <= 63) return gatewayName;
  return `${gatewayName.slice(0, 54).replace(/[^A-Za-z0-9]+$/, '')}-${digest(gatewayName)}`;
}
