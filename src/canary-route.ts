import { Construct } from 'constructs';
import { Backend } from './backend';
import { ResourceProps } from './base';
import { HttpRoute, HttpRouteRule, HttpRouteTimeouts, RouteParent } from './http-route';
import { HttpRouteFilter } from './route-filter';
import { HeaderMatch, HttpRouteMatch } from './route-match';

/** A request property that always sends a request to the canary. */
export class CanaryPin {
  /** Requests carrying this header value go to the canary. */
  public static header(name: string, value: string): CanaryPin {
    return new CanaryPin(HeaderMatch.exact(name, value));
  }

  /**
   * Requests carrying this cookie value go to the canary. Matched with a regular expression
   * on the Cookie header, which implementations support as an extended feature.
   */
  public static cookie(name: string, value: string): CanaryPin {
    if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name)) {
      throw new Error(`cookie name "${name}" is not a valid token`);
    }
    const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return new CanaryPin(HeaderMatch.regularExpression('Cookie', `(^|;\\s*)${escape(name)}=${escape(value)}(;|$)`));
  }

  private constructor(
    /** The header match the pin adds to every match of the route. */
    public readonly headerMatch: HeaderMatch,
  ) {}
}

export interface CanaryRouteProps extends ResourceProps {
  /** The Gateways (or listeners) the route attaches to. */
  readonly parents?: RouteParent[];
  /** @default - the hostnames of the listeners */
  readonly hostnames?: string[];
  /**
   * Requests the route takes.
   *
   * @default - every request
   */
  readonly matches?: HttpRouteMatch[];
  /** The version in production. Its weight is ignored. */
  readonly stable: Backend;
  /** The version under test. Its weight is ignored. */
  readonly canary: Backend;
  /**
   * Share of requests sent to the canary, in percent (0-100).
   *
   * @default 0
   */
  readonly canaryPercent?: number;
  /**
   * A header or cookie that sends a request to the canary whatever the split.
   *
   * @default - no pinning
   */
  readonly pin?: CanaryPin;
  /** @default - none */
  readonly filters?: HttpRouteFilter[];
  /** @default - the implementation's defaults */
  readonly timeouts?: HttpRouteTimeouts;
  /** @default true (or the app's `cdk8s-gateway/infer-reference-grants` context) */
  readonly inferReferenceGrants?: boolean;
}

/**
 * A weighted stable/canary split that synthesizes a plain HTTPRoute: a rule that pins
 * requests to the canary (when `pin` is set), then a rule that splits the rest by
 * `canaryPercent`. Move the split with `updateCanaryPercent()`; the route stays the same.
 */
export class CanaryRoute extends HttpRoute {
  private readonly stable: Backend;
  private readonly canary: Backend;
  private readonly split: HttpRouteRule;
  private percent: number;

  public constructor(scope: Construct, id: string, props: CanaryRouteProps) {
    super(scope, id, {
      metadata: props.metadata,
      parents: props.parents,
      hostnames: props.hostnames,
      inferReferenceGrants: props.inferReferenceGrants,
    });
    this.stable = props.stable;
    this.canary = props.canary;
    this.percent = 0;

    const matches = props.matches ?? [];
    if (props.pin) {
      const pin = props.pin.headerMatch;
      this.addRule({
        name: 'canary-pinned',
        matches: (matches.length > 0 ? matches : [{}]).map((m) => ({ ...m, headers: [...(m.headers ?? []), pin] })),
        filters: props.filters,
        backends: [this.canary.withWeight(1)],
        timeouts: props.timeouts,
      });
    }
    this.split = this.addRule({ name: 'canary-split', matches, filters: props.filters, timeouts: props.timeouts });
    this.updateCanaryPercent(props.canaryPercent ?? 0);
  }

  /** The share of requests sent to the canary, in percent. */
  public get canaryPercent(): number {
    return this.percent;
  }

  /** Moves the split: `percent` of requests go to the canary, the rest to stable. */
  public updateCanaryPercent(percent: number): void {
    if (!Number.isInteger(percent) || percent < 0 || percent > 100) {
      throw new Error(`canary percent ${percent} is out of range; use an integer 0-100`);
    }
    this.percent = percent;
    this.split._replaceBackends([this.stable.withWeight(100 - percent), this.canary.withWeight(percent)]);
  }
}
