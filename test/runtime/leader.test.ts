import { leaseNameOf } from '../../src/cli/controller';
import { claimedSpec, leaseHolder, microTime, mustStepDown, releasedSpec } from '../../src/runtime/leader';

const NOW = new Date('2026-11-22T10:00:00.500Z');
const at = (offsetMs: number) => microTime(new Date(NOW.getTime() + offsetMs));

describe('leaseHolder', () => {
  test('a Lease never held, or released, is free', () => {
    expect(leaseHolder(undefined, 'me', NOW.getTime())).toBe('free');
    expect(leaseHolder({ leaseDurationSeconds: 1, renewTime: at(0) }, 'me', NOW.getTime())).toBe('free');
  });

  test('a Lease renewed within its duration is held by its holder', () => {
    const spec = { holderIdentity: 'other', leaseDurationSeconds: 15, renewTime: at(-14_000) };
    expect(leaseHolder(spec, 'me', NOW.getTime())).toBe('other');
    expect(leaseHolder({ ...spec, holderIdentity: 'me' }, 'me', NOW.getTime())).toBe('ours');
  });

  test('a Lease whose renewTime + duration has passed is free', () => {
    expect(leaseHolder({ holderIdentity: 'other', leaseDurationSeconds: 15, renewTime: at(-15_001) }, 'me', NOW.getTime())).toBe('free');
  });

  test('a Lease without renewTime is free', () => {
    expect(leaseHolder({ holderIdentity: 'other', leaseDurationSeconds: 15 }, 'me', NOW.getTime())).toBe('free');
  });
});

describe('claimedSpec', () => {
  test('taking a Lease from another holder counts a transition and sets acquireTime', () => {
    const spec = claimedSpec({ holderIdentity: 'other', leaseTransitions: 3, acquireTime: at(-60_000), renewTime: at(-20_000) }, 'me', 15, NOW);
    expect(spec).toEqual({ holderIdentity: 'me', leaseDurationSeconds: 15, acquireTime: at(0), renewTime: at(0), leaseTransitions: 4 });
  });

  test('renewing keeps acquireTime and the transition count', () => {
    const spec = claimedSpec({ holderIdentity: 'me', leaseTransitions: 4, acquireTime: at(-60_000), renewTime: at(-2_000) }, 'me', 15, NOW);
    expect(spec).toEqual({ holderIdentity: 'me', leaseDurationSeconds: 15, acquireTime: at(-60_000), renewTime: at(0), leaseTransitions: 4 });
  });

  test('taking a released Lease is no transition', () => {
    expect(claimedSpec({ leaseDurationSeconds: 1, leaseTransitions: 2 }, 'me', 15, NOW).leaseTransitions).toBe(2);
  });
});

test('releasedSpec clears the holder and shortens the duration to a second', () => {
  expect(releasedSpec({ holderIdentity: 'me', leaseDurationSeconds: 15, acquireTime: at(-1), renewTime: at(-1), leaseTransitions: 1 }, NOW))
    .toEqual({ leaseDurationSeconds: 1, acquireTime: at(-1), renewTime: at(0), leaseTransitions: 1 });
});

test('microTime writes six fractional digits', () => {
  expect(microTime(NOW)).toBe('2026-11-22T10:00:00.500000Z');
  expect(microTime(NOW)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
});

test('a leader steps down before its Lease can expire for others', () => {
  expect(mustStepDown(0, 15, 9_000)).toBe(false);
  expect(mustStepDown(0, 15, 10_001)).toBe(true);
});

test('the default Lease name is a DNS subdomain derived from the controller name', () => {
  expect(leaseNameOf('gateway.cdk8s.io/controller')).toBe('gateway.cdk8s.io-controller');
  expect(leaseNameOf('Example.com/My_Controller/')).toBe('example.com-my-controller');
});
