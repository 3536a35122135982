/**
 * The implementation-neutral picture of what the data plane serves, the output of translate
 * and the input of compile. It holds only what survived translation: Gateways of our classes,
 * their listeners, and per listener the routes attached to it with the hostnames they serve
 * there. Things that cannot work but must be answered (a backend that does not resolve, an
 * unresolvable filter) stay in, marked `invalid`, so the proxy can answer with an error
 * instead of silently sending the traffic elsewhere.
 */
import { RouteKind } from './snapshot';

export type { RouteKind };

/** Why something is not usable, with the condition reason a controller reports for it. */
export interface Problem {
  readonly reason: string;
  readonly message: string;
}

export interface GatewayIR {
  readonly namespace: string;
  readonly name: string;
  readonly gatewayClassName: string;
  readonly controllerName: string;
  /** Whether the Gateway is Programmed: accepted, with at least one listener that can serve. */
  readonly programmed: boolean;
  readonly listeners: ListenerIR[];
  /** `spec.tls.backend.clientCertificateRef`, the certificate presented to TLS backends. */
  readonly backendClientCertificate?: CertificateIR;
}

export type ListenerProtocol = 'HTTP' | 'HTTPS' | 'TLS' | 'TCP' | 'UDP';

export interface ListenerIR {
  readonly name: string;
  readonly port: number;
  /** As written in the spec; a value other than a ListenerProtocol only on a listener that is not programmed. */
  readonly protocol: string;
  readonly hostname?: string;
  /** False when the listener must not be bound: not accepted, conflicted, or nothing to serve with (no usable certificate, no route kind). */
  readonly programmed: boolean;
  readonly tls?: ListenerTlsIR;
  /** Attached routes, oldest first, then by namespace/name: the order of precedence between routes. */
  readonly routes: RouteIR[];
  /**
   * Set for a listener a ListenerSet contributes to the Gateway; names are unique only within
   * their own object, so this origin is part of the listener's identity.
   */
  readonly listenerSet?: { readonly namespace: string; readonly name: string };
}

export interface ListenerTlsIR {
  readonly mode: 'Terminate' | 'Passthrough';
  /** Every certificateRef in order, valid or not. Empty in Passthrough mode. */
  readonly certificates: CertificateIR[];
  readonly options: Record<string, string>;
  /** Client certificate validation from the Gateway's `spec.tls.frontend` (HTTPS listeners only). */
  readonly clientValidation?: ClientValidationIR;
}

export interface ClientValidationIR {
  /** AllowInsecureFallback admits clients without a valid certificate; AllowValidOnly refuses them. */
  readonly mode: 'AllowValidOnly' | 'AllowInsecureFallback';
  /** Every caCertificateRef in order, valid or not. */
  readonly caCertificates: CaCertificateIR[];
}

export interface CaCertificateIR {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly valid: boolean;
  readonly invalid?: Problem;
  /** PEM text of `ca.crt`, present when valid. */
  readonly caPem?: string;
}

export interface CertificateIR {
  readonly namespace: string;
  readonly name: string;
  readonly valid: boolean;
  /** Why the reference is unusable; set exactly when `valid` is false. */
  readonly invalid?: Problem;
  /** PEM text of `tls.crt` and `tls.key`, present when valid. */
  readonly certificatePem?: string;
  readonly privateKeyPem?: string;
}

interface RouteIRBase {
  readonly namespace: string;
  readonly name: string;
  readonly creationTimestamp?: string;
  /**
   * Hostnames this route serves on this listener: the intersection of the route's and the
   * listener's hostnames. Empty means any host (neither restricts); always empty for TCP and UDP.
   */
  readonly hostnames: string[];
}

export interface HttpRouteIR extends RouteIRBase {
  readonly kind: 'HTTPRoute';
  readonly rules: HttpRuleIR[];
}

export interface GrpcRouteIR extends RouteIRBase {
  readonly kind: 'GRPCRoute';
  readonly rules: GrpcRuleIR[];
}

/** TLSRoute (by SNI), TCPRoute and UDPRoute: rules only choose backends. */
export interface StreamRouteIR extends RouteIRBase {
  readonly kind: 'TLSRoute' | 'TCPRoute' | 'UDPRoute';
  readonly rules: StreamRuleIR[];
}

export type RouteIR = HttpRouteIR | GrpcRouteIR | StreamRouteIR;

interface RuleIRBase {
  /** Position in `spec.rules`; rules dropped for unsupported values leave gaps. */
  readonly index: number;
  readonly name?: string;
  /** Weighted backends; an empty list means every request matched by the rule gets an error (HTTP 500, gRPC UNAVAILABLE, connection closed) unless a filter answers it. */
  readonly backends: BackendIR[];
  /** Set when the rule cannot be served as written (e.g. an ExtensionRef filter that does not resolve): answer every matching request with an error. */
  readonly invalid?: Problem;
}

export interface HttpRuleIR extends RuleIRBase {
  /** At least one; a rule without matches gets the API's default, PathPrefix `/`. */
  readonly matches: HttpMatchIR[];
  readonly filters: HttpFilterIR[];
  readonly timeouts?: { readonly request?: string; readonly backendRequest?: string };
  /** Experimental-channel fields, passed through unchanged. */
  readonly retry?: unknown;
  readonly sessionPersistence?: unknown;
}

export interface GrpcRuleIR extends RuleIRBase {
  /** Empty means every call. */
  readonly matches: GrpcMatchIR[];
  readonly filters: HttpFilterIR[];
  readonly sessionPersistence?: unknown;
}

export type StreamRuleIR = RuleIRBase;

export interface HttpMatchIR {
  readonly path: { readonly type: 'Exact' | 'PathPrefix' | 'RegularExpression'; readonly value: string };
  readonly headers: ValueMatchIR[];
  readonly queryParams: ValueMatchIR[];
  readonly method?: string;
}

export interface GrpcMatchIR {
  readonly method?: { readonly type: 'Exact' | 'RegularExpression'; readonly service?: string; readonly method?: string };
  readonly headers: ValueMatchIR[];
}

/** A header or query-parameter match. Header names compare case-insensitively, query names exactly. */
export interface ValueMatchIR {
  readonly type: 'Exact' | 'RegularExpression';
  readonly name: string;
  readonly value: string;
}

export type HttpFilterIR =
  | { readonly type: 'RequestHeaderModifier'; readonly requestHeaderModifier: HeaderModifierIR }
  | { readonly type: 'ResponseHeaderModifier'; readonly responseHeaderModifier: HeaderModifierIR }
  | { readonly type: 'RequestRedirect'; readonly requestRedirect: RedirectIR }
  | { readonly type: 'URLRewrite'; readonly urlRewrite: RewriteIR }
  | { readonly type: 'RequestMirror'; readonly requestMirror: MirrorIR }
  | { readonly type: 'CORS'; readonly cors: CorsIR };

export interface HeaderModifierIR {
  readonly set: { readonly name: string; readonly value: string }[];
  readonly add: { readonly name: string; readonly value: string }[];
  readonly remove: string[];
}

export interface PathModifierIR {
  readonly type: 'ReplaceFullPath' | 'ReplacePrefixMatch';
  readonly value: string;
}

export interface RedirectIR {
  readonly scheme?: string;
  readonly hostname?: string;
  readonly path?: PathModifierIR;
  readonly port?: number;
  readonly statusCode: number;
}

export interface RewriteIR {
  readonly hostname?: string;
  readonly path?: PathModifierIR;
}

export interface MirrorIR {
  /** May be `invalid`: then nothing is mirrored and the request proceeds. */
  readonly backend: BackendIR;
  /** Share of requests to mirror, 0 to 100 (fractions are converted). */
  readonly percent: number;
}

export interface CorsIR {
  readonly allowOrigins: string[];
  readonly allowCredentials: boolean;
  readonly allowMethods: string[];
  readonly allowHeaders: string[];
  readonly exposeHeaders: string[];
  readonly maxAge: number;
}

export interface BackendIR {
  readonly group: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly port?: number;
  readonly weight: number;
  /** From the Service port, e.g. `kubernetes.io/h2c`, `kubernetes.io/ws`. */
  readonly appProtocol?: string;
  /** Service port name and targetPort, to find the matching port in the Service's EndpointSlices. */
  readonly portName?: string;
  readonly targetPort?: number | string;
  /** Set for a Service of type ExternalName: forward to this DNS name instead of endpoints. */
  readonly externalName?: string;
  /** Filters that apply only to requests sent to this backend (HTTPRoute/GRPCRoute). */
  readonly filters: HttpFilterIR[];
  /** Set when the reference does not resolve: the share of traffic for this backend gets an error. */
  readonly invalid?: Problem;
  /**
   * TLS to originate towards the backend, from the BackendTLSPolicy that applies to its Service
   * port. Absent when no policy applies; when the policy is unusable the backend is `invalid`.
   */
  readonly tls?: BackendTlsIR;
}

export interface BackendTlsIR {
  /** The BackendTLSPolicy this comes from. */
  readonly policy: { readonly namespace: string; readonly name: string };
  /** Sent as SNI, and what the certificate must be valid for when `subjectAltNames` is empty. */
  readonly hostname: string;
  /** PEM bundles of the valid caCertificateRefs, in order; empty when `wellKnownCACertificates` is used. */
  readonly caPems: string[];
  /** `System`: trust the platform's CA store. */
  readonly wellKnownCACertificates?: string;
  /** When not empty, the certificate must carry one of these instead of `hostname`. */
  readonly subjectAltNames: SubjectAltNameIR[];
  readonly options: Record<string, string>;
  /**
   * The Gateway's `spec.tls.backend.clientCertificateRef` when it is usable, presented to the
   * backend. Set on the Gateway's own copy of the backend (routes are shared between Gateways).
   */
  readonly clientCertificate?: { readonly certificatePem: string; readonly privateKeyPem: string };
}

export interface SubjectAltNameIR {
  readonly type: 'Hostname' | 'URI';
  readonly value: string;
}
