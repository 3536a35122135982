/**
 * The upstream conformance manifests (base + one test's manifests + the objects the suite
 * creates at run time) → the status each conformance test waits for (research §d.4).
 */
import {
  APP, CLASS_NAME, conformanceWorld, CONTROLLER_NAME, expectConditions, gatewayStatusOf, INFRA, listenerStatusOf,
  parentStatusOf, WEB,
} from './world';
import { translate, Translation } from '../../../src/engine/translate';
import { applyDefaults, validateObject } from '../../../src/engine/validate';

interface ListenerExpectation {
  readonly attachedRoutes?: number;
  readonly supportedKinds?: string[];
  readonly conditions?: string[];
}

interface Scenario {
  readonly title: string;
  readonly files: string[];
  /** `namespace/gateway` → conditions */
  readonly gateways?: Record<string, string[]>;
  /** `namespace/gateway#listener` → expectation */
  readonly listeners?: Record<string, ListenerExpectation>;
  /** `Kind namespace/name -> gateway[/sectionName]` → conditions of that parent entry */
  readonly routes?: Record<string, string[]>;
}

const ACCEPTED_ROUTE = ['Accepted=True/Accepted', 'ResolvedRefs=True/ResolvedRefs'];
const HEALTHY_LISTENER = ['Accepted=True/Accepted', 'Programmed=True/Programmed', 'ResolvedRefs=True/ResolvedRefs', 'Conflicted=False/NoConflicts'];

const scenarios: Scenario[] = [
  {
    title: 'accepts and programs the base Gateways of the suite',
    files: [],
    gateways: {
      [`${INFRA}/same-namespace`]: ['Accepted=True/Accepted', 'Programmed=True/Programmed'],
      [`${INFRA}/all-namespaces`]: ['Accepted=True/Accepted', 'Programmed=True/Programmed'],
      [`${INFRA}/backend-namespaces`]: ['Accepted=True/Accepted', 'Programmed=True/Programmed'],
      [`${INFRA}/same-namespace-with-https-listener`]: ['Accepted=True/Accepted', 'Programmed=True/Programmed'],
    },
    listeners: {
      [`${INFRA}/same-namespace#http`]: { attachedRoutes: 0, supportedKinds: ['HTTPRoute', 'GRPCRoute'], conditions: HEALTHY_LISTENER },
      [`${INFRA}/same-namespace-with-https-listener#https-with-wildcard-hostname`]: { attachedRoutes: 0, conditions: HEALTHY_LISTENER },
    },
  },
  {
    title: 'rejects listener kinds a listener cannot serve and lists only the valid ones (GatewayInvalidRouteKind)',
    files: ['gateway-invalid-route-kind.yaml'],
    listeners: {
      [`${INFRA}/gateway-only-invalid-route-kind#http`]: {
        supportedKinds: [],
        conditions: ['ResolvedRefs=False/InvalidRouteKinds', 'Programmed=False/Invalid'],
      },
      [`${INFRA}/gateway-supported-and-invalid-route-kind#http`]: {
        supportedKinds: ['HTTPRoute'],
        conditions: ['ResolvedRefs=False/InvalidRouteKinds'],
      },
    },
  },
  {
    title: 'rejects listeners with an unsupported protocol and the Gateway when none is left (GatewayListenerUnsupportedProtocol)',
    files: ['gateway-invalid-listeners-unsupported-protocol.yaml'],
    gateways: {
      [`${INFRA}/gateway-only-unsupported-protocols`]: ['Accepted=False/ListenersNotValid', 'Programmed=False/Invalid'],
      [`${INFRA}/gateway-supported-and-unsupported-protocols`]: ['Accepted=True/ListenersNotValid', 'Programmed=True/Programmed'],
    },
    listeners: {
      [`${INFRA}/gateway-only-unsupported-protocols#invalid`]: {
        supportedKinds: [], conditions: ['Accepted=False/UnsupportedProtocol', 'Programmed=False/Invalid'],
      },
      [`${INFRA}/gateway-supported-and-unsupported-protocols#invalid`]: { conditions: ['Accepted=False/UnsupportedProtocol'] },
      [`${INFRA}/gateway-supported-and-unsupported-protocols#http`]: { conditions: HEALTHY_LISTENER },
    },
  },
  {
    title: 'rejects certificate references that are missing, of the wrong group or kind, or malformed (GatewayInvalidTLSConfiguration)',
    files: ['gateway-invalid-tls-configuration.yaml'],
    listeners: {
      [`${INFRA}/gateway-certificate-nonexistent-secret#https`]: { conditions: ['ResolvedRefs=False/InvalidCertificateRef', 'Programmed=False/Invalid'] },
      [`${INFRA}/gateway-certificate-unsupported-group#https`]: { conditions: ['ResolvedRefs=False/InvalidCertificateRef', 'Programmed=False/Invalid'] },
      [`${INFRA}/gateway-certificate-unsupported-kind#https`]: { conditions: ['ResolvedRefs=False/InvalidCertificateRef', 'Programmed=False/Invalid'] },
      [`${INFRA}/gateway-certificate-malformed-secret#https`]: { conditions: ['ResolvedRefs=False/InvalidCertificateRef', 'Programmed=False/Invalid'] },
    },
    gateways: {
      [`${INFRA}/gateway-certificate-malformed-secret`]: ['Accepted=True/ListenersNotValid', 'Programmed=False/Invalid'],
    },
  },
  {
    title: 'rejects a cross-namespace certificate when no ReferenceGrant covers it (GatewaySecretInvalidReferenceGrant)',
    files: ['gateway-secret-invalid-reference-grant.yaml'],
    listeners: {
      [`${INFRA}/gateway-secret-invalid-reference-grant#https`]: { conditions: ['ResolvedRefs=False/RefNotPermitted', 'Programmed=False/Invalid'] },
    },
  },
  {
    title: 'rejects a cross-namespace certificate without any ReferenceGrant (GatewaySecretMissingReferenceGrant)',
    files: ['gateway-secret-missing-reference-grant.yaml'],
    listeners: {
      [`${INFRA}/gateway-secret-missing-reference-grant#https`]: { conditions: ['ResolvedRefs=False/RefNotPermitted', 'Programmed=False/Invalid'] },
    },
  },
  {
    title: 'accepts a cross-namespace certificate granted for every Secret of the namespace (GatewaySecretReferenceGrantAllInNamespace)',
    files: ['gateway-secret-reference-grant-all-in-namespace.yaml'],
    listeners: { [`${INFRA}/gateway-secret-reference-grant-all-in-namespace#https`]: { conditions: HEALTHY_LISTENER } },
  },
  {
    title: 'accepts a cross-namespace certificate granted by name (GatewaySecretReferenceGrantSpecific)',
    files: ['gateway-secret-reference-grant-specific.yaml'],
    listeners: { [`${INFRA}/gateway-secret-reference-grant-specific#https`]: { conditions: HEALTHY_LISTENER } },
  },
  {
    title: 'counts accepted routes per listener, also with unresolved references (GatewayWithAttachedRoutes)',
    files: ['gateway-with-attached-routes.yaml'],
    listeners: {
      [`${INFRA}/gateway-with-one-attached-route#http`]: { attachedRoutes: 1, supportedKinds: ['HTTPRoute'] },
      [`${INFRA}/gateway-with-two-attached-routes#http`]: { attachedRoutes: 2, supportedKinds: ['HTTPRoute'] },
      [`${INFRA}/unresolved-gateway-with-one-attached-unresolved-route#tls`]: {
        attachedRoutes: 1,
        supportedKinds: ['HTTPRoute'],
        conditions: ['Accepted=True/Accepted', 'ResolvedRefs=False/InvalidCertificateRef', 'Programmed=False/Invalid'],
      },
    },
    routes: {
      [`HTTPRoute ${INFRA}/http-route-not-accepted -> gateway-with-two-attached-routes`]: ['Accepted=False/NoMatchingListenerHostname'],
      [`HTTPRoute ${INFRA}/http-route-4 -> unresolved-gateway-with-one-attached-unresolved-route/tls`]: [
        'Accepted=True/Accepted', 'ResolvedRefs=False/BackendNotFound',
      ],
    },
  },
  {
    title: 'counts a route only on the listener its sectionName names (GatewayWithAttachedRoutesWithPort8080)',
    files: ['gateway-with-attached-routes-with-port-8080.yaml'],
    listeners: {
      [`${INFRA}/gateway-with-two-listeners-and-one-attached-route#http-unattached`]: { attachedRoutes: 0 },
      [`${INFRA}/gateway-with-two-listeners-and-one-attached-route#http`]: { attachedRoutes: 1 },
    },
  },
  {
    title: 'reports every listener of a Gateway with its attached routes (GatewayModifyListeners)',
    files: ['gateway-modify-listeners.yaml'],
    listeners: {
      [`${INFRA}/gateway-add-listener#https`]: { attachedRoutes: 1, conditions: HEALTHY_LISTENER },
      [`${INFRA}/gateway-remove-listener#https`]: { attachedRoutes: 1 },
      [`${INFRA}/gateway-remove-listener#http`]: { attachedRoutes: 1 },
    },
  },
  {
    title: 'rejects a Gateway whose infrastructure parametersRef cannot resolve (GatewayInvalidParametersRef)',
    files: ['gateway-invalid-parameters-ref.yaml'],
    gateways: { [`${INFRA}/gateway-invalid-parameters-ref`]: ['Accepted=False/InvalidParameters', 'Programmed=False/Invalid'] },
  },
  {
    title: 'rejects a Gateway asking for an address type it cannot provide (GatewayStaticAddresses)',
    files: ['gateway-static-addresses.yaml'],
    gateways: { [`${INFRA}/gateway-static-addresses`]: ['Accepted=False/UnsupportedAddress'] },
  },
  {
    title: 'fails the Gateway ResolvedRefs for a bad backend client certificate but keeps it accepted (GatewayInvalidTLSBackendConfiguration)',
    files: ['gateway-invalid-tls-backend-configuration.yaml'],
    gateways: {
      [`${INFRA}/gateway-client-certificate-nonexistent-secret`]: ['Accepted=True/Accepted', 'ResolvedRefs=False/InvalidClientCertificateRef'],
      [`${INFRA}/gateway-client-certificate-unsupported-group`]: ['Accepted=True/Accepted', 'ResolvedRefs=False/InvalidClientCertificateRef'],
      [`${INFRA}/gateway-client-certificate-unsupported-kind`]: ['Accepted=True/Accepted', 'ResolvedRefs=False/InvalidClientCertificateRef'],
      [`${INFRA}/gateway-client-certificate-malformed-secret`]: ['Accepted=True/Accepted', 'ResolvedRefs=False/InvalidClientCertificateRef'],
      [`${INFRA}/gateway-client-certificate-missing-reference-grant`]: ['Accepted=True/Accepted', 'ResolvedRefs=False/RefNotPermitted'],
    },
  },
  {
    title: 'accepts a Gateway with a valid backend client certificate (GatewayTLSBackendClientCertificate)',
    files: ['gateway-tls-backend-client-certificate.yaml'],
    gateways: { [`${INFRA}/gateway-tls-backend-client-certificate`]: ['Accepted=True/Accepted', 'ResolvedRefs=True/ResolvedRefs'] },
  },
  {
    title: 'rejects HTTPS listeners whose client validation has no usable CA certificate (GatewayInvalidFrontendClientCertificateValidation)',
    files: ['gateway-with-invalid-clientcertificate-validation.yaml'],
    listeners: {
      [`${INFRA}/gateway-with-invalid-client-cert-validation#https`]: { conditions: HEALTHY_LISTENER },
      [`${INFRA}/gateway-with-invalid-client-cert-validation#https-unresolved`]: {
        conditions: ['Accepted=False/NoValidCACertificate', 'ResolvedRefs=False/InvalidCACertificateRef', 'Programmed=False/Invalid'],
      },
      [`${INFRA}/gateway-with-invalid-client-cert-validation#https-invalid-kind`]: {
        conditions: ['Accepted=False/NoValidCACertificate', 'ResolvedRefs=False/InvalidCACertificateKind'],
      },
      [`${INFRA}/gateway-with-invalid-client-cert-validation#https-grant-missing`]: {
        conditions: ['Accepted=False/NoValidCACertificate', 'ResolvedRefs=False/RefNotPermitted'],
      },
    },
  },
  {
    title: 'fails only the HTTPS listener when the default client validation is broken (GatewayFrontendInvalidDefaultClientCertificateValidation)',
    files: ['gateway-invalid-default-frontend-client-certificate-validation.yaml'],
    gateways: { [`${INFRA}/invalid-default-client-validation-config`]: ['Accepted=True/ListenersNotValid', 'Programmed=True/Programmed'] },
    listeners: {
      [`${INFRA}/invalid-default-client-validation-config#https`]: { conditions: ['Accepted=False/NoValidCACertificate', 'Programmed=False/Invalid'] },
      [`${INFRA}/invalid-default-client-validation-config#http`]: { attachedRoutes: 1, conditions: HEALTHY_LISTENER },
    },
  },
  {
    title: 'marks a Gateway that admits clients without a valid certificate (GatewayFrontendClientCertificateValidationInsecureFallback)',
    files: ['gateway-with-clientcertificate-validation-insecure-fallback.yaml'],
    gateways: {
      [`${INFRA}/client-validation-insecure-fallback`]: [
        'Accepted=True/Accepted', 'Programmed=True/Programmed', 'InsecureFrontendValidationMode=True/ConfigurationChanged',
      ],
    },
  },
  {
    title: 'rejects a route on a listener that allows only TLSRoutes (HTTPRouteDisallowedKind)',
    files: ['httproute-disallowed-kind.yaml'],
    listeners: { [`${INFRA}/tlsroutes-only#tls`]: { attachedRoutes: 0, supportedKinds: ['TLSRoute'] } },
    routes: { [`HTTPRoute ${INFRA}/disallowed-kind -> tlsroutes-only`]: ['Accepted=False/NotAllowedByListeners'] },
  },
  {
    title: 'attaches routes only to listeners with intersecting hostnames (HTTPRouteHostnameIntersection)',
    files: ['httproute-hostname-intersection.yaml'],
    listeners: {
      [`${INFRA}/httproute-hostname-intersection#listener-1`]: { attachedRoutes: 2 },
      [`${INFRA}/httproute-hostname-intersection#listener-2`]: { attachedRoutes: 1 },
      [`${INFRA}/httproute-hostname-intersection#listener-3`]: { attachedRoutes: 1 },
      [`${INFRA}/httproute-hostname-intersection-all#listener-1`]: { attachedRoutes: 1 },
    },
    routes: {
      [`HTTPRoute ${INFRA}/specific-host-matches-listener-specific-host -> httproute-hostname-intersection`]: ACCEPTED_ROUTE,
      [`HTTPRoute ${INFRA}/specific-host-matches-listener-wildcard-host -> httproute-hostname-intersection`]: ACCEPTED_ROUTE,
      [`HTTPRoute ${INFRA}/wildcard-host-matches-listener-specific-host -> httproute-hostname-intersection`]: ACCEPTED_ROUTE,
      [`HTTPRoute ${INFRA}/wildcard-host-matches-listener-wildcard-host -> httproute-hostname-intersection`]: ACCEPTED_ROUTE,
      [`HTTPRoute ${INFRA}/no-intersecting-hosts -> httproute-hostname-intersection`]: ['Accepted=False/NoMatchingListenerHostname'],
      [`HTTPRoute ${INFRA}/httproute-hostname-intersection-all -> httproute-hostname-intersection-all`]: ACCEPTED_ROUTE,
    },
  },
  {
    title: 'fails ResolvedRefs for a backend of an unknown kind but keeps the route accepted (HTTPRouteInvalidBackendRefUnknownKind)',
    files: ['httproute-invalid-backendref-unknown-kind.yaml'],
    routes: { [`HTTPRoute ${INFRA}/invalid-backend-ref-unknown-kind -> same-namespace`]: ['Accepted=True/Accepted', 'ResolvedRefs=False/InvalidKind'] },
  },
  {
    title: 'fails ResolvedRefs for a cross-namespace backend without a ReferenceGrant (HTTPRouteInvalidCrossNamespaceBackendRef)',
    files: ['httproute-invalid-cross-namespace-backend-ref.yaml'],
    routes: { [`HTTPRoute ${INFRA}/invalid-cross-namespace-backend-ref -> same-namespace`]: ['Accepted=True/Accepted', 'ResolvedRefs=False/RefNotPermitted'] },
  },
  {
    title: 'rejects a route from a namespace a Same listener does not admit (HTTPRouteInvalidCrossNamespaceParentRef)',
    files: ['httproute-invalid-cross-namespace-parent-ref.yaml'],
    listeners: { [`${INFRA}/same-namespace#http`]: { attachedRoutes: 0 } },
    routes: { [`HTTPRoute ${WEB}/invalid-cross-namespace-parent-ref -> same-namespace`]: ['Accepted=False/NotAllowedByListeners'] },
  },
  {
    title: 'fails ResolvedRefs for a backend Service that does not exist (HTTPRouteInvalidNonExistentBackendRef)',
    files: ['httproute-invalid-nonexistent-backendref.yaml'],
    routes: { [`HTTPRoute ${INFRA}/invalid-nonexistent-backend-ref -> same-namespace`]: ['Accepted=True/Accepted', 'ResolvedRefs=False/BackendNotFound'] },
  },
  {
    title: 'rejects a parentRef port no listener uses (HTTPRouteInvalidParentRefNotMatchingListenerPort)',
    files: ['httproute-invalid-parentref-not-matching-listener-port.yaml'],
    listeners: { [`${INFRA}/same-namespace#http`]: { attachedRoutes: 0 } },
    routes: { [`HTTPRoute ${INFRA}/httproute-listener-not-matching-route-port -> same-namespace`]: ['Accepted=False/NoMatchingParent'] },
  },
  {
    title: 'rejects a parentRef sectionName no listener has (HTTPRouteInvalidParentRefNotMatchingSectionName)',
    files: ['httproute-invalid-parentref-not-matching-section-name.yaml'],
    listeners: { [`${INFRA}/same-namespace#http`]: { attachedRoutes: 0 } },
    routes: { [`HTTPRoute ${INFRA}/httproute-listener-not-matching-section-name -> same-namespace/http1`]: ['Accepted=False/NoMatchingParent'] },
  },
  {
    title: 'rejects a parentRef whose sectionName and port disagree (HTTPRouteInvalidParentRefSectionNameNotMatchingPort)',
    files: ['httproute-invalid-parentref-section-name-not-matching-port.yaml'],
    listeners: { [`${INFRA}/gateway-with-one-not-matching-port-and-section-name-route#http`]: { attachedRoutes: 0 } },
    routes: {
      [`HTTPRoute ${INFRA}/httproute-listener-section-name-not-matching-port -> gateway-with-one-not-matching-port-and-section-name-route/http`]: [
        'Accepted=False/NoMatchingParent',
      ],
    },
  },
  {
    title: 'fails ResolvedRefs when the ReferenceGrants in place do not cover the backend (HTTPRouteInvalidReferenceGrant)',
    files: ['httproute-invalid-reference-grant.yaml'],
    routes: { [`HTTPRoute ${INFRA}/reference-grant -> same-namespace`]: ['Accepted=True/Accepted', 'ResolvedRefs=False/RefNotPermitted'] },
  },
  {
    title: 'keeps a route attached when only one of its backends is not permitted (HTTPRoutePartiallyInvalidViaInvalidReferenceGrant)',
    files: ['httproute-partially-invalid-via-invalid-reference-grant.yaml'],
    listeners: { [`${INFRA}/same-namespace#http`]: { attachedRoutes: 1 } },
    routes: { [`HTTPRoute ${INFRA}/invalid-reference-grant -> same-namespace`]: ['Accepted=True/Accepted', 'ResolvedRefs=False/RefNotPermitted'] },
  },
  {
    title: 'resolves a cross-namespace backend a ReferenceGrant permits (HTTPRouteReferenceGrant)',
    files: ['httproute-reference-grant.yaml'],
    routes: { [`HTTPRoute ${INFRA}/reference-grant -> same-namespace`]: ACCEPTED_ROUTE },
  },
  {
    title: 'admits a route from a namespace whose labels match the listener selector (HTTPRouteCrossNamespace)',
    files: ['httproute-cross-namespace.yaml'],
    listeners: { [`${INFRA}/backend-namespaces#http`]: { attachedRoutes: 1 } },
    routes: { [`HTTPRoute ${WEB}/cross-namespace -> backend-namespaces`]: ACCEPTED_ROUTE },
  },
  {
    title: 'accepts the baseline same-namespace route (HTTPRouteSimpleSameNamespace)',
    files: ['httproute-simple-same-namespace.yaml'],
    listeners: { [`${INFRA}/same-namespace#http`]: { attachedRoutes: 1 } },
    routes: { [`HTTPRoute ${INFRA}/gateway-conformance-infra-test -> same-namespace`]: ACCEPTED_ROUTE },
  },
  {
    title: 'gives a route one parent entry per Gateway (HTTPRouteMultipleGateways)',
    files: ['httproute-multiple-gateways.yaml'],
    listeners: {
      [`${INFRA}/same-namespace#http`]: { attachedRoutes: 2 },
      [`${INFRA}/all-namespaces#http`]: { attachedRoutes: 2 },
    },
    routes: {
      [`HTTPRoute ${INFRA}/multiple-gateways-shared-route -> same-namespace`]: ACCEPTED_ROUTE,
      [`HTTPRoute ${INFRA}/multiple-gateways-shared-route -> all-namespaces`]: ACCEPTED_ROUTE,
    },
  },
  {
    title: 'attaches routes to listeners by sectionName on a shared port (HTTPRouteListenerHostnameMatching)',
    files: ['httproute-listener-hostname-matching.yaml'],
    listeners: {
      [`${INFRA}/httproute-listener-hostname-matching#listener-1`]: { attachedRoutes: 1 },
      [`${INFRA}/httproute-listener-hostname-matching#listener-2`]: { attachedRoutes: 1 },
      [`${INFRA}/httproute-listener-hostname-matching#listener-3`]: { attachedRoutes: 1, conditions: HEALTHY_LISTENER },
      [`${INFRA}/httproute-listener-hostname-matching#listener-4`]: { attachedRoutes: 1 },
    },
    routes: {
      [`HTTPRoute ${INFRA}/backend-v3 -> httproute-listener-hostname-matching/listener-3`]: ACCEPTED_ROUTE,
      [`HTTPRoute ${INFRA}/backend-v3 -> httproute-listener-hostname-matching/listener-4`]: ACCEPTED_ROUTE,
    },
  },
  {
    title: 'attaches routes to every listener on the parentRef port (HTTPRouteListenerPortMatching)',
    files: ['httproute-listener-port-matching.yaml'],
    listeners: {
      [`${INFRA}/httproute-listener-port-matching#listener-1`]: { attachedRoutes: 1 },
      [`${INFRA}/httproute-listener-port-matching#listener-2`]: { attachedRoutes: 1 },
      [`${INFRA}/httproute-listener-port-matching#listener-3`]: { attachedRoutes: 1 },
      [`${INFRA}/httproute-listener-port-matching#listener-4`]: { attachedRoutes: 1 },
      [`${INFRA}/httproute-listener-port-matching#listener-5`]: { attachedRoutes: 0 },
    },
  },
  {
    title: 'accepts routes on HTTPS listeners with and without hostnames (HTTPRouteHTTPSListener)',
    files: ['httproute-https-listener.yaml'],
    listeners: {
      [`${INFRA}/same-namespace-with-https-listener#https`]: { attachedRoutes: 1 },
      [`${INFRA}/same-namespace-with-https-listener#https-with-hostname`]: { attachedRoutes: 1 },
      [`${INFRA}/same-namespace-with-https-listener#https-with-wildcard-hostname`]: { attachedRoutes: 0 },
    },
    routes: {
      [`HTTPRoute ${INFRA}/httproute-https-test -> same-namespace-with-https-listener`]: ACCEPTED_ROUTE,
      [`HTTPRoute ${INFRA}/httproute-https-test-no-hostname -> same-namespace-with-https-listener/https-with-hostname`]: ACCEPTED_ROUTE,
    },
  },
  {
    title: 'accepts one route per listener on a port shared by hostname (GatewayHTTPListenerIsolation)',
    files: ['gateway-http-listener-isolation.yaml'],
    listeners: {
      [`${INFRA}/http-listener-isolation#empty-hostname`]: { attachedRoutes: 1, conditions: HEALTHY_LISTENER },
      [`${INFRA}/http-listener-isolation#wildcard-example-com`]: { attachedRoutes: 1, conditions: HEALTHY_LISTENER },
      [`${INFRA}/http-listener-isolation#wildcard-foo-example-com`]: { attachedRoutes: 1, conditions: HEALTHY_LISTENER },
      [`${INFRA}/http-listener-isolation#abc-foo-example-com`]: { attachedRoutes: 1, conditions: HEALTHY_LISTENER },
    },
  },
  {
    title: 'accepts rules without backendRefs (HTTPRouteNoBackendRefs)',
    files: ['httproute-omitted-backendrefs.yaml'],
    routes: { [`HTTPRoute ${INFRA}/omitted-backendrefs -> same-namespace`]: ACCEPTED_ROUTE },
  },
  {
    title: 'resolves backends of every Service type, with or without selector (HTTPRouteServiceTypes)',
    files: ['httproute-service-types.yaml'],
    routes: { [`HTTPRoute ${INFRA}/service-types -> same-namespace`]: ACCEPTED_ROUTE },
  },
  {
    title: 'resolves backends whose Service ports declare h2c and WebSocket (HTTPRouteBackendProtocolH2C, HTTPRouteBackendProtocolWebSocket)',
    files: ['httproute-backend-protocol-h2c.yaml', 'httproute-backend-protocol-websocket.yaml'],
    routes: {
      [`HTTPRoute ${INFRA}/backend-protocol-h2c -> same-namespace`]: ACCEPTED_ROUTE,
      [`HTTPRoute ${INFRA}/backend-protocol-ws -> same-namespace`]: ACCEPTED_ROUTE,
    },
  },
  {
    title: 'accepts routes using every standard filter and match (HTTPRoute extended features)',
    files: [
      'httproute-cors.yaml', 'httproute-header-matching.yaml', 'httproute-method-matching.yaml', 'httproute-query-param-matching.yaml',
      'httproute-redirect-path.yaml', 'httproute-rewrite-path.yaml', 'httproute-rewrite-host.yaml', 'httproute-request-mirror.yaml',
      'httproute-request-percentage-mirror.yaml', 'httproute-response-header-modifier.yaml', 'httproute-timeout-request.yaml',
      'httproute-request-header-modifier-backend.yaml', 'httproute-named-rule.yaml',
    ],
    routes: {
      [`HTTPRoute ${INFRA}/cors-wildcard-origin -> same-namespace`]: ACCEPTED_ROUTE,
      [`HTTPRoute ${INFRA}/header-matching -> same-namespace`]: ACCEPTED_ROUTE,
      [`HTTPRoute ${INFRA}/method-matching -> same-namespace`]: ACCEPTED_ROUTE,
      [`HTTPRoute ${INFRA}/query-param-matching -> same-namespace`]: ACCEPTED_ROUTE,
      [`HTTPRoute ${INFRA}/redirect-path -> same-namespace`]: ACCEPTED_ROUTE,
      [`HTTPRoute ${INFRA}/rewrite-path -> same-namespace`]: ACCEPTED_ROUTE,
      [`HTTPRoute ${INFRA}/rewrite-host -> same-namespace`]: ACCEPTED_ROUTE,
      [`HTTPRoute ${INFRA}/request-mirror -> same-namespace`]: ACCEPTED_ROUTE,
      [`HTTPRoute ${INFRA}/request-percentage-mirror -> same-namespace`]: ACCEPTED_ROUTE,
      [`HTTPRoute ${INFRA}/response-header-modifier -> same-namespace`]: ACCEPTED_ROUTE,
      [`HTTPRoute ${INFRA}/request-timeout -> same-namespace`]: ACCEPTED_ROUTE,
      [`HTTPRoute ${INFRA}/request-header-modifier -> same-namespace`]: ACCEPTED_ROUTE,
      [`HTTPRoute ${INFRA}/http-named-rules -> same-namespace`]: ACCEPTED_ROUTE,
    },
  },
  {
    title: 'rejects TLSRoutes on listeners without TLS, and a sectionName no listener has (TLSRouteInvalidNoMatchingListener)',
    files: ['tlsroute-invalid-no-matching-listener.yaml'],
    routes: {
      [`TLSRoute ${INFRA}/tlsroute-not-allowed-protocol-http -> gateway-tlsroute-http-only`]: ['Accepted=False/NotAllowedByListeners'],
      [`TLSRoute ${INFRA}/tlsroute-not-allowed-protocol-https -> gateway-tlsroute-https-only`]: ['Accepted=False/NotAllowedByListeners'],
      [`TLSRoute ${INFRA}/tlsroute-no-matching-section-name -> gateway-tlsroute-tls-passthrough-only/nonexistent-listener`]: [
        'Accepted=False/NoMatchingParent',
      ],
    },
  },
  {
    title: 'attaches TLSRoutes by SNI hostname intersection (TLSRouteHostnameIntersection)',
    files: ['tlsroute-hostname-intersection.yaml'],
    listeners: {
      [`${INFRA}/gw-tlsroute-exact-hostname-x-1#listener-exact-hostname`]: { attachedRoutes: 1, supportedKinds: ['TLSRoute'] },
      [`${INFRA}/gw-tlsroute-more-specific-wc-hostname-x-2#listener-more-specific-wc-hostname`]: { attachedRoutes: 2 },
      [`${INFRA}/gw-tlsroute-less-specific-wc-hostname-x-3#listener-less-specific-wc-hostname`]: { attachedRoutes: 2 },
      [`${INFRA}/gw-tlsroute-empty-hostname-x-4#listener-empty-hostname`]: { attachedRoutes: 2 },
    },
  },
  {
    title: 'lists TLSRoute for Terminate and Passthrough TLS listeners (TLSRouteListenerPassthroughSupportedKinds, TLSRouteListenerTerminateSupportedKinds)',
    files: ['tlsroute-listener-passthrough-supported-kinds.yaml', 'tlsroute-listener-terminate-supported-kinds.yaml'],
    listeners: {
      [`${INFRA}/gateway-tlsroute-terminate-supported#tls-terminate`]: { supportedKinds: ['TLSRoute'], conditions: HEALTHY_LISTENER },
    },
  },
  {
    title: 'rejects a TCPRoute bound to an HTTP listener (TCPRouteInvalidNonTCPListener)',
    files: ['tcproute-invalid-non-tcp-listener.yaml'],
    routes: { [`TCPRoute ${INFRA}/tcp-route -> tcp-mixed-protocol-gateway/only-allow-http-routes`]: ['Accepted=False/NotAllowedByListeners'] },
  },
  {
    title: 'attaches TCPRoutes by port, by sectionName or both (TCPRouteParentRefPortAndSectionName)',
    files: ['tcproute-parentref-port-and-section-name.yaml'],
    listeners: {
      [`${INFRA}/tcp-multi-listener-gateway#one`]: { attachedRoutes: 1, supportedKinds: ['TCPRoute'], conditions: HEALTHY_LISTENER },
      [`${INFRA}/tcp-multi-listener-gateway#two`]: { attachedRoutes: 1 },
      [`${INFRA}/tcp-multi-listener-gateway#three`]: { attachedRoutes: 1 },
    },
    routes: { [`TCPRoute ${INFRA}/tcp-route-by-section-and-port -> tcp-multi-listener-gateway/three`]: ACCEPTED_ROUTE },
  },
  {
    title: 'rejects a UDPRoute bound to a TLS listener (UDPRouteNotAllowedByListeners)',
    files: ['udproute-not-allowed-by-listeners.yaml'],
    routes: { [`UDPRoute ${INFRA}/udproute-not-allowed-by-listeners -> udproute-tls-only-gateway/tls`]: ['Accepted=False/NotAllowedByListeners'] },
  },
  {
    title: 'fails ResolvedRefs of a UDPRoute to a missing Service (UDPRouteInvalidBackendRefNonexistent)',
    files: ['udproute-invalid-backendref-nonexistent.yaml'],
    routes: {
      [`UDPRoute ${INFRA}/udp-route-invalid-backend-ref-nonexistent -> udp-gateway-invalid-backend`]: [
        'Accepted=True/Accepted', 'ResolvedRefs=False/BackendNotFound',
      ],
    },
  },
  {
    title: 'attaches GRPCRoutes to listeners by hostname (GRPCRouteListenerHostnameMatching)',
    files: ['grpcroute-listener-hostname-matching.yaml'],
    listeners: {
      [`${INFRA}/grpcroute-listener-hostname-matching#listener-1`]: { attachedRoutes: 1 },
      [`${INFRA}/grpcroute-listener-hostname-matching#listener-2`]: { attachedRoutes: 1 },
    },
  },
];

describe.each(scenarios)('$title', (scenario) => {
  let translation: Translation;
  beforeAll(() => {
    translation = translate(conformanceWorld(...scenario.files), { controllerName: CONTROLLER_NAME });
  });

  const gateways = Object.entries(scenario.gateways ?? {});
  if (gateways.length > 0) {
    test.each(gateways)('Gateway %s has the conditions the suite expects', (key, expected) => {
      const [namespace, name] = key.split('/');
      expectConditions(gatewayStatusOf(translation, namespace, name).conditions, expected);
    });
  }

  const listeners = Object.entries(scenario.listeners ?? {});
  if (listeners.length > 0) {
    test.each(listeners)('listener %s has the status the suite expects', (key, expected) => {
      const [gateway, listener] = key.split('#');
      const [namespace, name] = gateway.split('/');
      const status = listenerStatusOf(translation, namespace, name, listener);
      if (expected.attachedRoutes !== undefined) expect(status.attachedRoutes).toBe(expected.attachedRoutes);
      if (expected.supportedKinds !== undefined) {
        expect(status.supportedKinds).toEqual(expected.supportedKinds.map((kind) => ({ group: 'gateway.networking.k8s.io', kind })));
      }
      if (expected.conditions !== undefined) expectConditions(status.conditions, expected.conditions);
    });
  }

  const routes = Object.entries(scenario.routes ?? {});
  if (routes.length > 0) {
    test.each(routes)('%s has the parent conditions the suite expects', (key, expected) => {
      const [route, parent] = key.split(' -> ');
      const [kind, ref] = route.split(' ');
      const [namespace, name] = ref.split('/');
      const entry = parentStatusOf(translation, kind, namespace, name, parent);
      expect(entry.controllerName).toBe(CONTROLLER_NAME);
      expectConditions(entry.conditions, expected);
    });
  }
});

describe('observedGeneration (GatewayClassObservedGenerationBump, GatewayObservedGenerationBump, HTTPRouteObservedGenerationBump)', () => {
  const world = conformanceWorld('gatewayclass-observed-generation-bump.yaml', 'gateway-observed-generation-bump.yaml', 'httproute-observed-generation-bump.yaml');
  const bumped = world.map((obj) => ({ ...obj, metadata: { ...obj.metadata, generation: 7 } }));

  test('every condition of classes, Gateways, listeners and route parents carries the object generation', () => {
    const t = translate(bumped, { controllerName: CONTROLLER_NAME });
    const generations = [...t.statuses.values()].flatMap((entry) => {
      const status = entry.status as any;
      const conditions = [
        ...(status.conditions ?? []),
        ...(status.listeners ?? []).flatMap((l: any) => l.conditions),
        ...(status.parents ?? []).flatMap((p: any) => p.conditions),
      ];
      return conditions.map((c) => c.observedGeneration);
    });
    expect(generations.length).toBeGreaterThan(20);
    expect(new Set(generations)).toEqual(new Set([7]));
  });

  test('the generation defaults to 1 for objects that have none, as for a new object', () => {
    const t = translate(world, { controllerName: CONTROLLER_NAME });
    const gateway = gatewayStatusOf(t, INFRA, 'gateway-observed-generation-bump');
    expect(gateway.conditions.map((c) => c.observedGeneration)).toEqual([1, 1]);
  });

  test('the class of the bump test is accepted with a supported version', () => {
    const t = translate(world, { controllerName: CONTROLLER_NAME });
    const entry = t.statuses.get('GatewayClass//gatewayclass-observed-generation-bump');
    expectConditions((entry?.status as any).conditions, ['Accepted=True/Accepted', 'SupportedVersion=True/SupportedVersion']);
  });
});

describe('data plane IR of conformance scenarios', () => {
  test('serves each route on a listener with the hostnames it shares with that listener (HTTPRouteHostnameIntersection)', () => {
    const t = translate(conformanceWorld('httproute-hostname-intersection.yaml'), { controllerName: CONTROLLER_NAME });
    const gateway = t.gateways.find((g) => g.name === 'httproute-hostname-intersection')!;
    const served = Object.fromEntries(gateway.listeners.map((l) => [l.name, l.routes.map((r) => `${r.name}: ${r.hostnames.join(' ')}`)]));
    expect(served).toEqual({
      'listener-1': [
        'specific-host-matches-listener-specific-host: very.specific.com',
        'wildcard-host-matches-listener-specific-host: very.specific.com',
      ],
      'listener-2': ['specific-host-matches-listener-wildcard-host: foo.wildcard.io bar.wildcard.io foo.bar.wildcard.io'],
      'listener-3': ['wildcard-host-matches-listener-wildcard-host: *.anotherwildcard.io'],
    });
  });

  test('marks the one backend that is not permitted invalid and keeps the other rule serving (HTTPRoutePartiallyInvalidViaInvalidReferenceGrant)', () => {
    const t = translate(conformanceWorld('httproute-partially-invalid-via-invalid-reference-grant.yaml'), { controllerName: CONTROLLER_NAME });
    const route = t.gateways.find((g) => g.name === 'same-namespace')!.listeners[0].routes[0];
    expect(route.rules.map((r) => r.backends.map((b) => `${b.namespace}/${b.name}:${b.port} ${b.invalid?.reason ?? 'valid'}`))).toEqual([
      [`${APP}/app-backend-v2:8080 RefNotPermitted`],
      [`${APP}/app-backend-v1:8080 valid`],
    ]);
  });

  test('keeps rules without backends so that the proxy answers them with an error (HTTPRouteNoBackendRefs)', () => {
    const t = translate(conformanceWorld('httproute-omitted-backendrefs.yaml'), { controllerName: CONTROLLER_NAME });
    const route = t.gateways.find((g) => g.name === 'same-namespace')!.listeners[0].routes[0];
    expect(route.rules.map((r) => r.backends.length)).toEqual([0, 0, 1]);
  });

  test('carries the Service appProtocol of each backend (HTTPRouteBackendProtocolH2C)', () => {
    const t = translate(conformanceWorld('httproute-backend-protocol-h2c.yaml'), { controllerName: CONTROLLER_NAME });
    const backend = t.gateways.find((g) => g.name === 'same-namespace')!.listeners[0].routes[0].rules[0].backends[0];
    expect(backend).toMatchObject({ name: 'infra-backend-v1', port: 8081, appProtocol: 'kubernetes.io/h2c', portName: 'second-port', targetPort: 3001 });
  });

  test('resolves the certificates of HTTPS listeners to their PEM key pair', () => {
    const t = translate(conformanceWorld(), { controllerName: CONTROLLER_NAME });
    const listener = t.gateways.find((g) => g.name === 'same-namespace-with-https-listener')!.listeners[0];
    expect(listener.tls?.mode).toBe('Terminate');
    expect(listener.tls?.certificates).toHaveLength(1);
    expect(listener.tls?.certificates[0]).toMatchObject({ namespace: INFRA, name: 'tls-validity-checks-certificate', valid: true });
    expect(listener.tls?.certificates[0].certificatePem).toContain('-----BEGIN CERTIFICATE-----');
    expect(listener.tls?.certificates[0].privateKeyPem).toContain('-----BEGIN PRIVATE KEY-----');
  });

  test('carries the client validation of each HTTPS listener with its CA bundles, valid or not', () => {
    const t = translate(conformanceWorld('gateway-with-invalid-clientcertificate-validation.yaml'), { controllerName: CONTROLLER_NAME });
    const gateway = t.gateways.find((g) => g.name === 'gateway-with-invalid-client-cert-validation')!;
    const validation = Object.fromEntries(gateway.listeners.map((l) => [
      l.name,
      `${l.tls?.clientValidation?.mode}: ${l.tls?.clientValidation?.caCertificates.map((ca) => `${ca.kind} ${ca.name} ${ca.invalid?.reason ?? (ca.caPem ? 'valid' : '?')}`)}`,
    ]));
    expect(validation).toEqual({
      'https': 'AllowValidOnly: ConfigMap tls-validity-checks-ca-certificate valid',
      'https-unresolved': 'AllowValidOnly: ConfigMap non-exisitng-cm InvalidCACertificateRef',
      'https-invalid-kind': 'AllowValidOnly: Service infra-backend-v2 InvalidCACertificateKind',
      'https-grant-missing': 'AllowValidOnly: ConfigMap web-backend-cm RefNotPermitted',
    });
  });

  test('lists only Gateways of our class', () => {
    const t = translate(conformanceWorld(), { controllerName: CONTROLLER_NAME });
    expect(t.gateways.map((g) => `${g.gatewayClassName} ${g.name}`)).toEqual([
      `${CLASS_NAME} same-namespace`,
      `${CLASS_NAME} same-namespace-with-https-listener`,
      `${CLASS_NAME} all-namespaces`,
      `${CLASS_NAME} backend-namespaces`,
    ]);
  });
});

describe('objects as the API server stores them', () => {
  const files = [...new Set(scenarios.flatMap((s) => s.files))];

  test.each(files)('translates %s after defaulting exactly as before', (file) => {
    const written = conformanceWorld(file);
    const stored = written.map((obj) => applyDefaults(obj));
    const before = translate(written, { controllerName: CONTROLLER_NAME });
    const after = translate(stored, { controllerName: CONTROLLER_NAME });
    expect(JSON.parse(JSON.stringify({ statuses: [...after.statuses], gateways: after.gateways, findings: after.findings })))
      .toEqual(JSON.parse(JSON.stringify({ statuses: [...before.statuses], gateways: before.gateways, findings: before.findings })));
  });

  test('finds nothing the API server would refuse in the manifests these scenarios use', () => {
    const violations = [...new Set(scenarios.flatMap((s) => s.files))]
      .flatMap((file) => conformanceWorld(file))
      .flatMap((obj) => validateObject(obj).violations)
      .map((v) => `${v.kind} ${v.namespace}/${v.name} ${v.path}: ${v.message}`);
    expect(violations).toEqual([]);
  });
});
