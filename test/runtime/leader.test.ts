import { leaseNameOf } from '../../src/cli/controller';
import { claimedSpec, LeaseObserver, microTime, mustStepDown, releasedSpec } from '../../src/runtime/leader';

const NOW = new Date('2026-11-22T10:00:00.500Z');
const at = (offsetMs: number) => microTime(new Date(NOW.getTime() + offsetMs));

describe('LeaseObserver', () => {
  const held = (holderIdentity: string, renewTime: string) => ({ holderIdentity, leaseDurationSeconds: 15, acquireTime: at(-60_000), renewTime });

  test('a Lease never held, or released, is free at once', () => {
    expect(new LeaseObserver().observe(undefined, 'me', 0)).toBe('free');
    expect(new LeaseObserver().observe({ leaseDurationSeconds: 1, renewTime: at(0) }, 'me', 0)).toBe('free');
  });

  test('a Lease of ours stays ours', () => {
    const observer = new LeaseObserver();
    expect(observer.observe(held('me', at(-3_600_000)), 'me', 0)).toBe('ours');
    expect(observer.observe(held('me', at(-3_600_000)), 'me', 60_000)).toBe('ours');
  });

  test('another holder\'s Lease expires a duration after its record last changed as seen here', () => {
    const observer = new LeaseObserver();
    expect(observer.observe(held('other', at(0)), 'me', 1_000)).toBe('other');
    expect(observer.observe(held('other', at(0)), 'me', 15_999)).toBe('other');
    // Renewed: the wait starts again from when the change was seen.
    expect(observer.observe(held('other', at(2_000)), 'me', 10_000)).toBe('other');
    expect(observer.observe(held('other', at(2_000)), 'me', 24_999)).toBe('other');
    expect(observer.observe(held('other', at(2_000)), 'me', 25_000)).toBe('free');
  });

  test('judges no renewTime by the local clock: skew between machines cannot make two leaders', () => {
    // renewTime an hour in the past (the holder's clock is behind), renewed all the time: held.
    const behind = new LeaseObserver();
    for (let t = 0; t <= 60_000; t += 2_000) expect(behind.observe(held('other', at(-3_600_000 + t)), 'me', t)).toBe('other');
    // renewTime in the future (the holder's clock is ahead) and no longer renewed: free a duration later.
    const ahead = new LeaseObserver();
    expect(ahead.observe(held('other', at(3_600_000)), 'me', 0)).toBe('other');
    expect(ahead.observe(held('other', at(3_600_000)), 'me', 15_000)).toBe('free');
  });

  test('says how long until the Lease last seen expires, counted from when it last changed', () => {
    const observer = new LeaseObserver();
    observer.observe(held('other', at(0)), 'me', 1_000);
    expect(observer.expiresIn(held('other', at(0)), 1_000)).toBe(15_000);
    observer.observe(held('other', at(0)), 'me', 14_000);
    expect(observer.expiresIn(held('other', at(0)), 14_000)).toBe(2_000);
    expect(observer.expiresIn(held('other', at(0)), 20_000)).toBe(0);
  });

  test('a candidate that starts while another holds the Lease waits a full duration, however old its renewTime', () => {
    const observer = new LeaseObserver();
    expect(observer.observe(held('other', at(-3_600_000)), 'me', 100)).toBe('other');
    expect(observer.observe(held('other', at(-3_600_000)), 'me', 15_100)).toBe('free');
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
