/**
 * The Gateway API features (conformance feature names) this implementation supports, as its
 * GatewayClasses publish them in `status.supportedFeatures` (the conformance suite can read them
 * from there). A feature is listed when every upstream conformance test that needs it passes in
 * docs/conformance.md; test/features.test.ts holds the list to that page both ways.
 *
 * Not listed: GatewayAddressEmpty, GatewayStaticAddresses and GatewayInfrastructurePropagation
 * (address assignment and provisioned resources need a cluster: their tests do not run here),
 * HTTPRouteRetry and HTTPRouteDestinationPortMatching (experimental, not implemented), and the
 * GRPCRoute, TLSRoute, TCPRoute, UDPRoute and mesh features (not served).
 */
export const SUPPORTED_FEATURES: readonly string[] = [
  'BackendTLSPolicy',
  'BackendTLSPolicySANValidation',
  'Gateway',
  'GatewayBackendClientCertificate',
  'GatewayFrontendClientCertificateValidation',
  'GatewayFrontendClientCertificateValidationInsecureFallback',
  'GatewayHTTPListenerIsolation',
  'GatewayHTTPSListenerDetectMisdirectedRequests',
  'GatewayPort8080',
  'HTTPRoute',
  'HTTPRoute303RedirectStatusCode',
  'HTTPRoute307RedirectStatusCode',
  'HTTPRoute308RedirectStatusCode',
  'HTTPRouteBackendProtocolH2C',
  'HTTPRouteBackendProtocolWebSocket',
  'HTTPRouteBackendRequestHeaderModification',
  'HTTPRouteBackendTimeout',
  'HTTPRouteCORS',
  'HTTPRouteHostRewrite',
  'HTTPRouteMethodMatching',
  'HTTPRouteNamedRouteRule',
  'HTTPRouteParentRefPort',
  'HTTPRoutePathRedirect',
  'HTTPRoutePathRewrite',
  'HTTPRoutePortRedirect',
  'HTTPRouteQueryParamMatching',
  'HTTPRouteRequestMirror',
  'HTTPRouteRequestMultipleMirrors',
  'HTTPRouteRequestPercentageMirror',
  'HTTPRouteRequestTimeout',
  'HTTPRouteResponseHeaderModification',
  'HTTPRouteSchemeRedirect',
  'ListenerSet',
  'ReferenceGrant',
];
