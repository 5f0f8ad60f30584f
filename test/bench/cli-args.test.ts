import { describe, expect, it } from 'vitest';
import { DEFAULT_REPEAT, parseBenchArgs, selectByName } from '../../bench/lib/cli-args.ts';

describe('parseBenchArgs', () => {
  it('defaults: all benchmarks, recorded, the default repeat count', () => {
    expect(parseBenchArgs([])).toEqual({
      names: [],
      list: false,
      repeat: DEFAULT_REPEAT,
      record: true,
      help: false,
    });
  });

  it('takes names, --repeat N and --no-record', () => {
    expect(parseBenchArgs(['decode', '--repeat', '3', '--no-record'])).toMatchObject({
      names: ['decode'],
      repeat: 3,
      record: false,
    });
    expect(parseBenchArgs(['--list']).list).toBe(true);
  });

  it('explains a bad repeat count or an unknown flag', () => {
    expect(() => parseBenchArgs(['--repeat', '0'])).toThrow(
      /--repeat must be a whole number from 1 to 100, got "0"/,
    );
    expect(() => parseBenchArgs(['--repeat', 'two'])).toThrow(/got "two"/);
    expect(() => parseBenchArgs(['--fast'])).toThrow(/--fast/);
  });
});

describe('selectByName', () => {
  const all = [{ name: 'decode' }, { name: 'gate' }, { name: 'infer' }];
  it('keeps the registry order and reports unknown names', () => {
    expect(selectByName(all, ['infer', 'decode', 'nope'])).toEqual({
      selected: [{ name: 'decode' }, { name: 'infer' }],
      unknown: ['nope'],
    });
    expect(selectByName(all, []).selected).toHaveLength(3);
  });
});
