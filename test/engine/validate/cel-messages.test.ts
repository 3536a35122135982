import { CHANNELS, crdMessages, loadCelCases, type CelCase, type Channel } from './cel-fixtures';
import { RULES_NOT_CHECKED, validateObject } from '../../../src/engine/validate';

const cases = loadCelCases();

const runs = cases.flatMap(c => c.channels.map(channel => ({ ...c, channel, title: `${c.invalid.kind} (${channel}) ${c.path}: ${c.message}` })));

function reported(c: CelCase, channel: Channel, object = c.invalid): string[] {
  const { violations } = validateObject(object, { channel, oldObject: c.old, subresource: c.subresource });
  return violations.map(v => `${v.path}: ${v.message}`).sort();
}

describe.each(CHANNELS)('the %s channel', channel => {
  test('has a fixture for every CEL message of every CRD', () => {
    const missing: string[] = [];
    for (const [kind, messages] of crdMessages(channel)) {
      for (const message of messages) {
        const covered = cases.some(c => c.invalid.kind === kind && c.message === message && c.channels.includes(channel));
        if (!covered) missing.push(`${kind}: ${message}`);
      }
    }
    expect(missing).toEqual([]);
  });
});

test('has no fixture for a message the CRDs do not have', () => {
  const stale = runs.filter(r => !crdMessages(r.channel).get(r.invalid.kind)?.has(r.message)).map(r => r.title);
  expect(stale).toEqual([]);
});

describe.each(runs.filter(r => r.shadowedBy === undefined))('$title', run => {
  test('rejects the invalid object with exactly that message at that path', () => {
    const expected = [{ path: run.path, message: run.message }, ...run.alsoReports].map(r => `${r.path}: ${r.message}`).sort();
    expect(reported(run, run.channel)).toEqual(expected);
  });

  test('accepts the fixed object', () => {
    expect(reported(run, run.channel, run.valid)).toEqual([]);
  });
});

describe.each(runs.filter(r => r.shadowedBy !== undefined))('$title (never reached)', run => {
  test('rejects the invalid object through the schema, before the rule is evaluated', () => {
    const expected = [...run.shadowedBy!.map(r => `${r.path}: ${r.message}`), `: ${RULES_NOT_CHECKED}`].sort();
    expect(reported(run, run.channel)).toEqual(expected);
  });

  test('accepts the fixed object', () => {
    expect(reported(run, run.channel, run.valid)).toEqual([]);
  });
});
