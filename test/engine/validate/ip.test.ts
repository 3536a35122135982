import { isIP, isIPv4Format, isIPv6Format } from '../../../src/engine/validate/ip';

test.each([
  ['192.0.2.1', true], ['0.0.0.0', true], ['255.255.255.255', true], ['::1', true], ['::', true], ['2001:db8::1', true],
  ['1:2:3:4:5:6:7:8', true], ['1::', true], ['::1.2.3.4', true], ['64:ff9b::192.0.2.1', true],
])('isIP accepts %s', (ip, expected) => {
  expect(isIP(ip)).toBe(expected);
});

test.each([
  ['01.2.3.4', 'a leading zero'], ['256.1.1.1', 'a byte above 255'], ['1.2.3', 'three bytes'], ['1.2.3.4.5', 'five bytes'],
  ['::ffff:192.0.2.1', 'an IPv4-mapped IPv6 address'], ['fe80::1%eth0', 'a zone'], ['1:2:3:4:5:6:7::8', 'an ellipsis standing for no group'],
  ['1::2::3', 'two ellipses'], [':1::', 'a single leading colon'], ['12345::', 'a five-digit group'], ['1.2.3.4::', 'a dotted quad before the ellipsis'],
  ['', 'nothing'], ['example.com', 'a hostname'],
])('isIP rejects %s (%s)', ip => {
  expect(isIP(ip)).toBe(false);
});

test('the ipv4 format wants dots and the ipv6 format colons, as Go\'s checks do', () => {
  expect(isIPv4Format('192.0.2.1')).toBe(true);
  expect(isIPv4Format('::ffff:192.0.2.1')).toBe(true);
  expect(isIPv4Format('::1')).toBe(false);
  expect(isIPv6Format('::1')).toBe(true);
  expect(isIPv6Format('192.0.2.1')).toBe(false);
  expect(isIPv4Format('192.0.2.1:80')).toBe(false);
});
