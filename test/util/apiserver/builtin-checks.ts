/**
 * The few checks of built-in kinds a controller can trip over: MicroTime fields of a Lease
 * (decoding fails with 400 unless six fractional digits are written) and an EndpointSlice's
 * required address type.
 */
import { ResourceType } from './resources';
import { ApiError, invalid } from './status';

const MICRO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}(Z|[+-]\d\d:\d\d)$/;
const ADDRESS_TYPES = ['IPv4', 'IPv6', 'FQDN'];

export function checkBuiltin(type: ResourceType, obj: any): void {
  if (type.kind === 'Lease') {
    for (const field of ['acquireTime', 'renewTime']) {
      const value = obj.spec?.[field];
      if (value !== undefined && value !== null && !(typeof value === 'string' && MICRO_TIME.test(value))) {
        throw new ApiError(400, 'BadRequest',
          `Lease in version "v1" cannot be handled as a Lease: parsing time ${JSON.stringify(JSON.stringify(value))} as "\\"2006-01-02T15:04:05.000000Z07:00\\"": cannot parse ${JSON.stringify(String(value).slice(19))} as ".000000"`);
      }
    }
  }
  if (type.kind === 'EndpointSlice') {
    const at = obj.addressType;
    if (at === undefined) throw invalid(type, obj.metadata?.name ?? '', [{ path: 'addressType', message: 'Required value' }]);
    if (!ADDRESS_TYPES.includes(at)) {
      throw invalid(type, obj.metadata?.name ?? '', [{ path: 'addressType', message: `Unsupported value: ${JSON.stringify(at)}: supported values: ${ADDRESS_TYPES.map((a) => JSON.stringify(a)).join(', ')}` }]);
    }
  }
}
