import type { KubeObject } from '../../../src/engine/types';
import { applyDefaults, isGatewayApiKind, RULES_NOT_CHECKED, validateObject } from '../../../src/engine/validate';

const V1 = 'gateway.networking.k8s.io/v1';

function route(spec: Record<string, unknown>, metadata: Record<string, unknown> = { name: 'route', namespace: 'ns' }): KubeObject {
  return { apiVersion: V1, kind: 'HTTPRoute', metadata, spec };
}

function gateway(spec: Record<string, unknown>): KubeObject {
  return { apiVersion: V1, kind: 'Gateway', metadata: { name: 'gw', namespace: 'ns' }, spec: { gatewayClassName: 'example', ...spec } };
}

const HTTP_LISTENER = { name: 'http', port: 80, protocol: 'HTTP' };

/** `path: message` of every violation, in the validator's order. */
function problems(obj: KubeObject, options: Parameters<typeof validateObject>[1] = {}): string[] {
  return validateObject(obj, options).violations.map(v => `${v.path}: ${v.message}`);
}

describe('defaulting', () => {
  test('applies defaults to absent fields of present objects', () => {
    const { object } = validateObject(route({ parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] }));
    expect(object.spec.parentRefs).toEqual([{ name: 'gw', group: 'gateway.networking.k8s.io', kind: 'Gateway' }]);
    expect(object.spec.rules[0].backendRefs).toEqual([{ name: 'web', port: 80, group: '', kind: 'Service', weight: 1 }]);
  });

  test('fills absent HTTPRoute rules with one rule matching PathPrefix /', () => {
    const { object } = validateObject(route({ parentRefs: [{ name: 'gw' }] }));
    expect(object.spec.rules).toEqual([{ matches: [{ path: { type: 'PathPrefix', value: '/' } }] }]);
  });

  test('applies defaults inside a default that is an object', () => {
    const { object } = validateObject(gateway({ listeners: [HTTP_LISTENER] }));
    expect(object.spec.listeners[0].allowedRoutes).toEqual({ namespaces: { from: 'Same' } });
  });

  test('defaults each match of a rule, including its path', () => {
    const { object } = validateObject(route({ rules: [{ matches: [{ headers: [{ name: 'x-a', value: 'a' }] }, { path: { value: '/api' } }] }] }));
    expect(object.spec.rules[0].matches).toEqual([
      { headers: [{ name: 'x-a', value: 'a', type: 'Exact' }], path: { type: 'PathPrefix', value: '/' } },
      { path: { type: 'PathPrefix', value: '/api' } },
    ]);
  });

  test('leaves absent optional objects absent', () => {
    const { object } = validateObject(route({ rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] }));
    expect(object.spec.rules[0]).not.toHaveProperty('timeouts');
    expect(object.spec.rules[0]).not.toHaveProperty('filters');
  });

  test('replaces a null by the field default and drops a null field that has none', () => {
    const { object, violations } = validateObject(route({ hostnames: null, rules: [{ backendRefs: [{ name: 'web', port: 80, weight: null }] }] }));
    expect(object.spec).not.toHaveProperty('hostnames');
    expect(object.spec.rules[0].backendRefs[0].weight).toBe(1);
    expect(violations).toEqual([]);
  });

  test('puts a namespaced object without a namespace in the default namespace', () => {
    const { object, violations } = validateObject(route({}, { name: 'route' }));
    expect(object.metadata.namespace).toBe('default');
    expect(violations).toEqual([]);
  });

  test('clears the namespace of a cluster-scoped object', () => {
    const { object } = validateObject({ apiVersion: V1, kind: 'GatewayClass', metadata: { name: 'gc', namespace: 'ns' }, spec: { controllerName: 'example.com/c' } });
    expect(object.metadata).toEqual({ name: 'gc' });
  });

  test('does not modify the input object', () => {
    const input = route({ parentRefs: [{ name: 'gw' }], unknown: true });
    const before = JSON.stringify(input);
    validateObject(input);
    applyDefaults(input);
    expect(JSON.stringify(input)).toBe(before);
  });

  test('applyDefaults returns the stored form without validating', () => {
    const stored = applyDefaults(route({ parentRefs: [{ name: 'gw', port: 0 }] }));
    expect(stored.spec.parentRefs[0]).toEqual({ name: 'gw', port: 0, group: 'gateway.networking.k8s.io', kind: 'Gateway' });
  });

  test('applyDefaults returns a plain copy of objects of other groups', () => {
    const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { ports: [{ port: 80 }] } };
    const copy = applyDefaults(service);
    expect(copy).toEqual(service);
    expect(copy).not.toBe(service);
  });
});

describe('kinds', () => {
  test('ignores objects of other API groups', () => {
    const result = validateObject({ apiVersion: 'v1', kind: 'Service', metadata: {}, spec: { anything: true } });
    expect(result).toMatchObject({ known: false, violations: [] });
  });

  test('rejects a version the channel does not serve with kubectl\'s message', () => {
    const result = validateObject({ apiVersion: 'gateway.networking.k8s.io/v1alpha2', kind: 'TLSRoute', metadata: { name: 't', namespace: 'ns' }, spec: {} });
    expect(result.known).toBe(false);
    expect(result.violations).toEqual([{
      kind: 'TLSRoute',
      namespace: 'ns',
      name: 't',
      path: '',
      source: 'schema',
      message: 'no matches for kind "TLSRoute" in version "gateway.networking.k8s.io/v1alpha2"',
      hint: 'ensure CRDs are installed first: the experimental channel serves this kind and version',
    }]);
  });

  test('rejects an experimental-only kind in the standard channel and accepts it in the experimental one', () => {
    const mesh: KubeObject = { apiVersion: 'gateway.networking.x-k8s.io/v1alpha1', kind: 'XMesh', metadata: { name: 'm' }, spec: { controllerName: 'example.com/mesh' } };
    expect(problems(mesh)).toEqual([': no matches for kind "XMesh" in version "gateway.networking.x-k8s.io/v1alpha1"']);
    expect(problems({ ...mesh, kind: 'Mesh' }, { channel: 'experimental' })).toEqual([
      ': no matches for kind "Mesh" in version "gateway.networking.x-k8s.io/v1alpha1"',
    ]);
    expect(validateObject({ ...mesh, kind: 'Mesh' }).violations[0].hint).toBe('ensure CRDs are installed first');
    expect(validateObject(mesh, { channel: 'experimental' })).toMatchObject({ known: true, violations: [] });
  });

  test('tells which kinds and versions a channel serves', () => {
    expect(isGatewayApiKind(V1, 'HTTPRoute')).toBe(true);
    expect(isGatewayApiKind('gateway.networking.k8s.io/v1beta1', 'HTTPRoute')).toBe(true);
    expect(isGatewayApiKind('gateway.networking.k8s.io/v1alpha2', 'TCPRoute')).toBe(false);
    expect(isGatewayApiKind('gateway.networking.k8s.io/v1alpha2', 'TCPRoute', 'experimental')).toBe(true);
    expect(isGatewayApiKind('v1', 'Service')).toBe(false);
  });

  test('names the violations after the object', () => {
    const [violation] = validateObject(route({ rules: [{ backendRefs: [{ name: 'web' }] }] })).violations;
    expect(violation).toEqual({
      kind: 'HTTPRoute',
      namespace: 'ns',
      name: 'route',
      path: 'spec.rules[0].backendRefs[0]',
      source: 'cel',
      message: 'Must have port for Service reference',
    });
  });
});

describe('metadata', () => {
  test('rejects a name that is not a DNS subdomain', () => {
    expect(problems(route({}, { name: 'My_Route', namespace: 'ns' }))).toEqual([
      'metadata.name: Invalid value: "My_Route": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\', and must start and end with an alphanumeric character (e.g. \'example.com\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\')',
    ]);
  });

  test('rejects a name longer than 253 characters', () => {
    expect(problems(route({}, { name: 'a'.repeat(254), namespace: 'ns' }))).toEqual([
      `metadata.name: Invalid value: "${'a'.repeat(254)}": must be no more than 253 characters`,
    ]);
  });

  test('rejects an object without name or generateName, and then skips the CEL rules', () => {
    expect(problems(route({ rules: [{ backendRefs: [{ name: 'web' }] }] }, { namespace: 'ns' }))).toEqual([
      'metadata.name: Required value: name or generateName is required',
      `: ${RULES_NOT_CHECKED}`,
    ]);
  });

  test('accepts generateName in place of a name, with its trailing dash', () => {
    expect(problems(route({}, { generateName: 'route-', namespace: 'ns' }))).toEqual([]);
  });

  test('rejects a namespace that is not a DNS label', () => {
    expect(problems(route({}, { name: 'route', namespace: 'team.a' }))).toEqual([
      'metadata.namespace: Invalid value: "team.a": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or \'-\', and must start and end with an alphanumeric character (e.g. \'my-name\',  or \'123-abc\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?\')',
    ]);
  });

  test('rejects malformed label keys and values', () => {
    expect(problems(route({}, { name: 'route', namespace: 'ns', labels: { 'example.com/-team': 'a', 'tier': 'front end' } }))).toEqual([
      'metadata.labels: Invalid value: "example.com/-team": name part must consist of alphanumeric characters, \'-\', \'_\' or \'.\', and must start and end with an alphanumeric character (e.g. \'MyName\',  or \'my.name\',  or \'123-abc\', regex used for validation is \'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]\')',
      'metadata.labels: Invalid value: "front end": a valid label must be an empty string or consist of alphanumeric characters, \'-\', \'_\' or \'.\', and must start and end with an alphanumeric character (e.g. \'MyValue\',  or \'my_value\',  or \'12345\', regex used for validation is \'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?\')',
    ]);
  });

  test('rejects an annotation key with an invalid prefix, ignoring case', () => {
    expect(problems(route({}, { name: 'route', namespace: 'ns', annotations: { 'Example.COM/Owner': 'a', 'bad_prefix/owner': 'b' } }))).toEqual([
      'metadata.annotations: Invalid value: "bad_prefix/owner": prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\', and must start and end with an alphanumeric character (e.g. \'example.com\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\')',
    ]);
  });

  test('rejects annotations larger than 256 KiB in total', () => {
    const big = { name: 'route', namespace: 'ns', annotations: { a: 'x'.repeat(256 * 1024) } };
    expect(problems(route({}, big))).toEqual([
      'metadata.annotations: Too long: may not be more than 262144 bytes',
      `: ${RULES_NOT_CHECKED}`,
    ]);
  });
});

describe('unknown fields', () => {
  test('rejects a field the schema does not declare, as kubectl\'s strict validation does', () => {
    const result = validateObject(route({ rules: [{ backendRefs: [{ name: 'web', port: 80, weigth: 2 }] }] }));
    expect(result.violations.map(v => [v.path, v.message, v.source])).toEqual([
      ['spec.rules[0].backendRefs[0].weigth', 'unknown field "spec.rules[0].backendRefs[0].weigth"', 'schema'],
    ]);
  });

  test('drops unknown fields from the stored object', () => {
    const { object } = validateObject(route({ extra: 1 }));
    expect(object.spec).not.toHaveProperty('extra');
  });

  test('rejects unknown top-level and metadata fields', () => {
    expect(problems({ ...route({}), extra: 1, metadata: { name: 'route', namespace: 'ns', label: { a: 'b' } } } as KubeObject)).toEqual([
      'metadata.label: unknown field "metadata.label"',
      'extra: unknown field "extra"',
    ]);
  });

  test('rejects an experimental field in the standard channel', () => {
    const retry = route({ rules: [{ retry: { attempts: 2 }, backendRefs: [{ name: 'web', port: 80 }] }] });
    expect(problems(retry)).toEqual(['spec.rules[0].retry: unknown field "spec.rules[0].retry"']);
    expect(problems(retry, { channel: 'experimental' })).toEqual([]);
  });
});

describe('OpenAPI schema', () => {
  test('rejects a missing required field', () => {
    expect(problems(gateway({ listeners: [{ name: 'http', protocol: 'HTTP' }] }))).toEqual([
      'spec.listeners[0].port: Required value',
      `: ${RULES_NOT_CHECKED}`,
    ]);
  });

  test('rejects a value outside the enum, listing the allowed values', () => {
    expect(problems(route({ rules: [{ filters: [{ type: 'RequestRedirect', requestRedirect: { statusCode: 305 } }] }] }))).toEqual([
      'spec.rules[0].filters[0].requestRedirect.statusCode: Unsupported value: 305: supported values: "301", "302", "303", "307", "308"',
      `: ${RULES_NOT_CHECKED}`,
    ]);
  });

  test('rejects a string that does not match the pattern', () => {
    expect(problems(route({ hostnames: ['Example.com'] }))).toEqual([
      'spec.hostnames[0]: Invalid value: "Example.com": spec.hostnames[0] in body should match \'^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$\'',
    ]);
  });

  test('searches for a pattern that anchors only some alternatives anywhere in the value', () => {
    // The listener protocol pattern anchors its domain-prefixed alternative only at the end.
    expect(problems(gateway({ listeners: [{ name: 'custom', port: 9000, protocol: '--example.com/PROTO' }] }))).toEqual([]);
    expect(problems(gateway({ listeners: [{ name: 'custom', port: 9000, protocol: 'example.com/PROTO-1' }] }))).toHaveLength(1);
  });

  test('rejects a string longer than maxLength', () => {
    expect(problems(gateway({ gatewayClassName: 'g'.repeat(254), listeners: [HTTP_LISTENER] }))).toEqual([
      'spec.gatewayClassName: Too long: may not be more than 253 bytes',
      `: ${RULES_NOT_CHECKED}`,
    ]);
  });

  test('rejects a string shorter than minLength', () => {
    expect(problems(route({ parentRefs: [{ name: '' }] }))).toEqual([
      'spec.parentRefs[0].name: Invalid value: "": spec.parentRefs[0].name in body should be at least 1 chars long',
    ]);
  });

  test('rejects a list with too many items', () => {
    const hostnames = Array.from({ length: 17 }, (_, i) => `h${i}.example.com`);
    expect(problems(route({ hostnames }))).toEqual(['spec.hostnames: Too many: 17: must have at most 16 items', `: ${RULES_NOT_CHECKED}`]);
  });

  test('rejects a list with too few items', () => {
    expect(problems(gateway({ listeners: [] }))).toEqual(['spec.listeners: Invalid value: 0: spec.listeners in body should have at least 1 items']);
  });

  test('rejects a number below the minimum and one above the maximum', () => {
    expect(problems(route({ rules: [{ backendRefs: [{ name: 'a', port: 0 }, { name: 'b', port: 80, weight: 1000001 }] }] }))).toEqual([
      'spec.rules[0].backendRefs[0].port: Invalid value: 0: spec.rules[0].backendRefs[0].port in body should be greater than or equal to 1',
      'spec.rules[0].backendRefs[1].weight: Invalid value: 1000001: spec.rules[0].backendRefs[1].weight in body should be less than or equal to 1000000',
    ]);
  });

  test('does not range-check int32 fields beyond their minimum and maximum, as the API server does not', () => {
    expect(problems(route({ rules: [{ filters: [{ type: 'CORS', cors: { allowOrigins: ['https://a.example.com'], maxAge: 2 ** 40 } }] }] }))).toEqual([]);
  });

  test('rejects a value of the wrong type', () => {
    expect(problems(route({ rules: [{ backendRefs: [{ name: 'web', port: '80' }, { name: 'api', port: 80.5 }] }] }))).toEqual([
      'spec.rules[0].backendRefs[0].port: Invalid value: "string": spec.rules[0].backendRefs[0].port in body must be of type integer: "string"',
      'spec.rules[0].backendRefs[1].port: Invalid value: "number": spec.rules[0].backendRefs[1].port in body must be of type integer: "number"',
      `: ${RULES_NOT_CHECKED}`,
    ]);
  });

  test('rejects a null list item of a type that is not nullable', () => {
    expect(problems(route({ hostnames: [null] }))).toEqual([
      'spec.hostnames[0]: Invalid value: "null": spec.hostnames[0] in body must be of type string: "null"',
      `: ${RULES_NOT_CHECKED}`,
    ]);
  });

  test('rejects a map with too many properties', () => {
    const labels = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`l${i}`, 'v']));
    expect(problems(gateway({ infrastructure: { labels }, listeners: [HTTP_LISTENER] }))).toEqual([
      'spec.infrastructure.labels: Too many: 9: must have at most 8 items',
      `: ${RULES_NOT_CHECKED}`,
    ]);
  });

  test('rejects an address that is neither an IPv4 nor an IPv6 address, as the oneOf with formats says', () => {
    expect(problems(gateway({ addresses: [{ value: '10.0.0.1:80' }], listeners: [HTTP_LISTENER] }))).toEqual([
      ': Invalid value: "": "spec.addresses[0]" must validate one and only one schema (oneOf). Found none valid',
      ': Invalid value: "": "spec.addresses[0].value" must validate at least one schema (anyOf)',
      'spec.addresses[0].value: Invalid value: "10.0.0.1:80": spec.addresses[0].value in body must be of type ipv4: "10.0.0.1:80"',
      `: ${RULES_NOT_CHECKED}`,
    ]);
  });

  test('accepts IPv4 and IPv6 addresses, and any value for other address types', () => {
    const addresses = [{ value: '10.0.0.1' }, { type: 'IPAddress', value: '2001:db8::1' }, { type: 'example.com/pool', value: 'any thing' }];
    expect(problems(gateway({ addresses, listeners: [HTTP_LISTENER] }))).toEqual([]);
  });

  test('rejects a repeated key in a map list', () => {
    expect(problems(route({ rules: [{ matches: [{ headers: [{ name: 'x-a', value: '1' }, { name: 'x-a', value: '2' }] }] }] }))).toEqual([
      'spec.rules[0].matches[0].headers[1]: Duplicate value: map[string]interface {}{"name":"x-a"}',
    ]);
  });

  test('rejects a repeated item in a set list, once per repeated value', () => {
    const remove = ['server', 'server', 'x-powered-by', 'server'];
    expect(problems(route({ rules: [{ filters: [{ type: 'ResponseHeaderModifier', responseHeaderModifier: { remove } }] }] }))).toEqual([
      'spec.rules[0].filters[0].responseHeaderModifier.remove[1]: Duplicate value: "server"',
    ]);
  });

  test('does not validate the status of a kind whose status is a subresource', () => {
    const withStatus = { ...gateway({ listeners: [HTTP_LISTENER] }), status: { addresses: [{ type: 'Hostname' }] } };
    expect(problems(withStatus)).toEqual([]);
    expect(problems(withStatus, { subresource: 'status' })).toEqual(['status.addresses[0].value: Required value', `: ${RULES_NOT_CHECKED}`]);
  });
});

describe('CEL rules', () => {
  test('evaluates rules on the defaulted object', () => {
    // group and kind are absent but defaulted to the core Service, which needs a port.
    expect(problems(route({ rules: [{ backendRefs: [{ name: 'web' }] }] }))).toEqual([
      'spec.rules[0].backendRefs[0]: Must have port for Service reference',
    ]);
  });

  test('evaluates the rules of every list item at its own path', () => {
    const matches = [{ path: { value: '/ok' } }, { path: { value: 'no-slash' } }, { path: { type: 'Exact', value: '/a//b' } }];
    expect(problems(route({ rules: [{ matches }] }))).toEqual([
      'spec.rules[0].matches[1].path: value must be an absolute path and start with \'/\' when type one of [\'Exact\', \'PathPrefix\']',
      'spec.rules[0].matches[2].path: must not contain \'//\' when type one of [\'Exact\', \'PathPrefix\']',
    ]);
  });

  test('reads a field named with a CEL reserved word through its escaped name', () => {
    const refs = [{ name: 'gw', namespace: 'infra' }, { name: 'gw', namespace: 'infra', sectionName: 'http' }];
    expect(problems(route({ parentRefs: refs }))).toEqual([
      'spec.parentRefs: sectionName must be specified when parentRefs includes 2 or more references to the same parent',
    ]);
    expect(problems(route({ parentRefs: [refs[0], { ...refs[1], namespace: 'edge' }] }))).toEqual([]);
  });

  test('runs the rules with RE2 regular expressions, case-insensitive flag included', () => {
    const method = (service: string) => ({ apiVersion: V1, kind: 'GRPCRoute', metadata: { name: 'g', namespace: 'ns' }, spec: { rules: [{ matches: [{ method: { service } }] }] } });
    expect(problems(method('Echo.V1'))).toEqual([]);
    expect(problems(method('echo-v1'))).toHaveLength(1);
  });

  test('compares durations as durations', () => {
    expect(problems(route({ rules: [{ timeouts: { request: '1h', backendRequest: '59m59s' } }] }))).toEqual([]);
    expect(problems(route({ rules: [{ timeouts: { request: '1h', backendRequest: '60m1ms' } }] }))).toEqual([
      'spec.rules[0].timeouts: backendRequest timeout cannot be longer than request timeout',
    ]);
  });

  test('skips the rules when the schema found a blocking error, with the API server\'s note', () => {
    const result = validateObject(route({ rules: [{ backendRefs: [{ name: 'web', weight: -1, port: 'x' }] }] }));
    expect(result.violations.map(v => v.message)).toContain(RULES_NOT_CHECKED);
    expect(result.violations.map(v => v.message)).not.toContain('Must have port for Service reference');
  });

  test('still runs the rules after errors that do not block them (patterns, bounds, duplicates)', () => {
    expect(problems(route({ hostnames: ['A.example.com'], rules: [{ backendRefs: [{ name: 'web', weight: -1 }] }] }))).toEqual([
      'spec.hostnames[0]: Invalid value: "A.example.com": spec.hostnames[0] in body should match \'^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$\'',
      'spec.rules[0].backendRefs[0].weight: Invalid value: -1: spec.rules[0].backendRefs[0].weight in body should be greater than or equal to 0',
      'spec.rules[0].backendRefs[0]: Must have port for Service reference',
    ]);
  });

  test('rejects, in the API server\'s words, a value on which a rule cannot be evaluated', () => {
    // With neither certificateRefs nor options, size() of the absent field is an error, not false.
    const tls = gateway({ listeners: [{ name: 'https', port: 443, protocol: 'HTTPS', tls: { mode: 'Terminate' } }] });
    expect(problems(tls)).toEqual([
      'spec.listeners[0].tls: no such key: certificateRefs evaluating rule: certificateRefs or options must be specified when mode is Terminate',
    ]);
  });

  describe('the transition rule of GatewayClass.spec.controllerName', () => {
    const gatewayClass = (controllerName: string): KubeObject => ({ apiVersion: V1, kind: 'GatewayClass', metadata: { name: 'gc' }, spec: { controllerName } });

    test('is not evaluated on create', () => {
      expect(problems(gatewayClass('example.com/b'))).toEqual([]);
    });

    test('rejects a changed value with "Value is immutable" when the old object is given', () => {
      expect(problems(gatewayClass('example.com/b'), { oldObject: gatewayClass('example.com/a') })).toEqual([
        'spec.controllerName: Value is immutable',
      ]);
    });

    test('accepts an unchanged value', () => {
      expect(problems(gatewayClass('example.com/a'), { oldObject: gatewayClass('example.com/a') })).toEqual([]);
    });

    test('is not evaluated when the old object has no value to compare with', () => {
      const old: KubeObject = { apiVersion: V1, kind: 'GatewayClass', metadata: { name: 'gc' }, spec: {} };
      expect(problems(gatewayClass('example.com/b'), { oldObject: old })).toEqual([]);
    });
  });
});
