import { describeSelector, LabelSelector, selectorMatches } from '../../../src/engine/translate/label-selector';

const labels = { 'team': 'a', 'env': 'prod', 'kubernetes.io/metadata.name': 'team-a' };

describe('selectorMatches', () => {
  test.each([
    ['an empty selector', {}, true],
    ['matching matchLabels', { matchLabels: { team: 'a' } }, true],
    ['the label the API server adds to every namespace', { matchLabels: { 'kubernetes.io/metadata.name': 'team-a' } }, true],
    ['In with the value', { matchExpressions: [{ key: 'env', operator: 'In', values: ['stage', 'prod'] }] }, true],
    ['NotIn without the value', { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['stage'] }] }, true],
    ['NotIn on an absent key', { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['x'] }] }, true],
    ['Exists', { matchExpressions: [{ key: 'team', operator: 'Exists' }] }, true],
    ['DoesNotExist', { matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] }, true],
    ['matchLabels and matchExpressions together', { matchLabels: { team: 'a' }, matchExpressions: [{ key: 'env', operator: 'Exists' }] }, true],
  ] as [string, LabelSelector, boolean][])('matches %s', (_, selector, expected) => {
    expect(selectorMatches(selector, labels)).toBe(expected);
  });

  test.each([
    ['an absent selector', undefined],
    ['a different matchLabels value', { matchLabels: { team: 'b' } }],
    ['In without the value', { matchExpressions: [{ key: 'env', operator: 'In', values: ['stage'] }] }],
    ['In on an absent key', { matchExpressions: [{ key: 'tier', operator: 'In', values: ['x'] }] }],
    ['NotIn with the value', { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] }],
    ['Exists on an absent key', { matchExpressions: [{ key: 'tier', operator: 'Exists' }] }],
    ['DoesNotExist on a present key', { matchExpressions: [{ key: 'team', operator: 'DoesNotExist' }] }],
    ['an unknown operator', { matchExpressions: [{ key: 'team', operator: 'Like', values: ['a'] }] }],
  ] as [string, LabelSelector | undefined][])('rejects %s', (_, selector) => {
    expect(selectorMatches(selector, labels)).toBe(false);
  });

  test('describes a selector for messages', () => {
    expect(describeSelector({
      matchLabels: { team: 'a' },
      matchExpressions: [
        { key: 'env', operator: 'In', values: ['prod', 'stage'] },
        { key: 'tier', operator: 'NotIn', values: ['x'] },
        { key: 'owner', operator: 'Exists' },
        { key: 'legacy', operator: 'DoesNotExist' },
      ],
    })).toBe('team=a, env in (prod,stage), tier notin (x), owner, !legacy');
    expect(describeSelector({})).toBe('everything');
    expect(describeSelector(undefined)).toBe('no selector');
  });
});
