import { Construct } from 'constructs';
import { Gateway, GatewayProps } from './gateway';
import { HttpRoute } from './http-route';
import { AllowedRoutes, Listener, ListenerProtocol } from './listener';
import { HttpRouteFilter } from './route-filter';

/** Which namespaces may attach routes to a shared Gateway. */
export class NamespaceAdmission {
  /** The named namespaces (matched by their `kubernetes.io/metadata.name` label). */
  public static namespaces(names: string[]): NamespaceAdmission {
    return new NamespaceAdmission(AllowedRoutes.fromNamespaces(names), [...new Set(names)].sort());
  }

  /** Namespaces carrying all of these labels. */
  public static labelled(labels: { [key: string]: string }): NamespaceAdmission {
    return new NamespaceAdmission(AllowedRoutes.fromNamespacesLabelled(labels));
  }

  /** Every namespace of the cluster. */
  public static allNamespaces(): NamespaceAdmission {
    return new NamespaceAdmission(AllowedRoutes.allNamespaces());
  }

  private constructor(
    /** @internal */
    public readonly _allowedRoutes: AllowedRoutes,
    /** The admitted namespaces, when they are listed by name. */
    public readonly names?: string[],
  ) {}
}

export interface SharedGatewayProps extends GatewayProps {
  /** The namespaces whose routes may attach to the Gateway's listeners. */
  readonly admission: NamespaceAdmission;

  /**
   * Redirect every plain HTTP request to HTTPS (301): the Gateway's HTTP listeners (those
   * without their own `allowedRoutes`) then admit only the redirect route, which this
   * construct creates in the Gateway's namespace, and teams attach to the HTTPS listeners.
   *
   * @default false
   */
  readonly redirectHttpToHttps?: boolean;
}

/**
 * A Gateway owned by a platform team and used by routes of many namespaces. Listeners
 * without their own `allowedRoutes` admit the namespaces of `admission`; a route of the app
 * in a namespace it does not admit fails at synth, naming the fix.
 */
export class SharedGateway extends Gateway {
  public readonly admission: NamespaceAdmission;
  /** The route that redirects HTTP to HTTPS, when `redirectHttpToHttps` is set. */
  public readonly httpsRedirectRoute?: HttpRoute;

  public constructor(scope: Construct, id: string, props: SharedGatewayProps) {
    super(scope, id, props);
    this.admission = props.admission;
    if (props.redirectHttpToHttps) {
      this.httpsRedirectRoute = new HttpRoute(this, 'HttpsRedirect', {
        metadata: { name: `${this.name}-https-redirect`, namespace: this.namespace },
        rules: [{ filters: [HttpRouteFilter.httpsRedirect()] }],
      });
      // Listeners given as props were added before the route existed.
      for (const l of this.listeners) this.attachRedirect(l);
      this.node.addValidation({ validate: () => this.validateRedirect() });
    }
  }

  /** @internal */
  protected _defaultAllowedRoutes(listener: Listener): AllowedRoutes | undefined {
    // The redirect route lives beside the Gateway, so HTTP listeners admit only that namespace.
    if (this.httpsRedirectRoute && redirects(listener)) {
      return AllowedRoutes.sameNamespace();
    }
    return this.admission._allowedRoutes;
  }

  public override addListener(listener: Listener): void {
    super.addListener(listener);
    this.attachRedirect(listener);
  }

  private attachRedirect(listener: Listener): void {
    if (this.httpsRedirectRoute && redirects(listener)) {
      this.httpsRedirectRoute.addParent(this, { sectionName: listener.name });
    }
  }

  private validateRedirect(): string[] {
    const errors: string[] = [];
    const listeners = this.listeners;
    if (!listeners.some(redirects)) {
      errors.push('redirectHttpToHttps needs an HTTP listener without its own allowedRoutes to redirect from; add Listener.http()');
    }
    if (!listeners.some((l) => l.protocol === ListenerProtocol.HTTPS)) {
      errors.push('redirectHttpToHttps needs an HTTPS listener to redirect to; add Listener.https({ certificates })');
    }
    return errors;
  }
}

/** HTTP listeners that name their own allowedRoutes keep serving plain HTTP routes. */
function redirects(listener: Listener): boolean {
  return listener.protocol === ListenerProtocol.HTTP && listener.allowedRoutes === undefined;
}
