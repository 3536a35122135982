/**
 * Client certificate validation (`spec.tls.frontend` of a Gateway): a per-port configuration
 * overrides the default for the HTTPS listeners on its port. It is a security control, so a
 * listener left with no usable CA certificate is not accepted rather than served without
 * the validation it asks for.
 */
import { KubeObject } from '../types';
import { resolveCaCertificateRef } from './certificate';
import { FindingSink } from './finding';
import { ClientValidationIR } from './ir';
import { ListenerNode } from './listener';
import { Snapshot } from './snapshot';

const MODES = ['AllowValidOnly', 'AllowInsecureFallback'];

/** Applies the Gateway's frontend validation to its HTTPS listeners; returns whether any of them falls back to insecure. */
export function applyFrontendValidation(
  snapshot: Snapshot, findings: FindingSink, gateway: KubeObject, listeners: readonly ListenerNode[],
): boolean {
  const frontend = gateway.spec?.tls?.frontend;
  if (!frontend) return false;
  const perPort: any[] = Array.isArray(frontend.perPort) ? frontend.perPort : [];
  const resolved = new Map<string, ClientValidationIR>();
  let insecure = false;

  for (const listener of listeners) {
    if (listener.protocol !== 'HTTPS' || !listener.tls) continue;
    const p = perPort.findIndex((entry) => entry?.port === listener.port);
    const validation = p >= 0 ? perPort[p]?.tls?.validation : frontend.default?.validation;
    if (!validation) continue;
    const path = p >= 0 ? `spec.tls.frontend.perPort[${p}].tls.validation` : 'spec.tls.frontend.default.validation';
    let config = resolved.get(path);
    if (!config) {
      config = resolveValidation(snapshot, findings, gateway, validation, path);
      resolved.set(path, config);
    }
    listener.tls = { ...listener.tls, clientValidation: config };
    for (const ca of config.caCertificates) if (ca.invalid) listener.unresolvedRefs.push(ca.invalid);
    if (!MODES.includes(config.mode)) {
      listener.rejection ??= { reason: 'UnsupportedValue', message: `client validation mode ${config.mode} is not supported` };
    } else if (!config.caCertificates.some((ca) => ca.valid)) {
      listener.rejection ??= { reason: 'NoValidCACertificate', message: `no valid CA certificate in ${path}.caCertificateRefs` };
    }
    if (config.mode === 'AllowInsecureFallback') insecure = true;
  }
  return insecure;
}

function resolveValidation(snapshot: Snapshot, findings: FindingSink, gateway: KubeObject, validation: any, path: string): ClientValidationIR {
  const mode = validation.mode ?? 'AllowValidOnly';
  if (!MODES.includes(mode)) {
    findings.report(gateway, {
      path: `${path}.mode`,
      reason: 'UnsupportedValue',
      message: `client validation mode ${mode} is not supported`,
      hint: `use one of ${MODES.join(', ')}`,
    });
  }
  const refs: any[] = Array.isArray(validation.caCertificateRefs) ? validation.caCertificateRefs : [];
  const caCertificates = refs.map((ref, i) => {
    const result = resolveCaCertificateRef(snapshot, gateway, ref, `${path}.caCertificateRefs[${i}]`);
    if (result.issue) findings.report(gateway, result.issue);
    return result.certificate;
  });
  return { mode, caCertificates };
}
