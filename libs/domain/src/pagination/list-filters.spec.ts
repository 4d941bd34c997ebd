import { commaList, gatherMetadataKeys } from './list-filters';

describe('commaList', () => {
  it('reads repeated values, comma lists and both, trimmed', () => {
    expect(commaList('running')).toEqual(['running']);
    expect(commaList('running, stopped')).toEqual(['running', 'stopped']);
    expect(commaList(['running', 'stopped,error'])).toEqual(['running', 'stopped', 'error']);
  });

  it('keeps empty items and anything not a string for validation to refuse', () => {
    expect(commaList('running,')).toEqual(['running', '']);
    expect(commaList('')).toEqual(['']);
    expect(commaList({ a: '1' })).toEqual({ a: '1' });
    expect(commaList(undefined)).toBeUndefined();
  });
});

describe('gatherMetadataKeys', () => {
  it('gathers metadata.k=v and metadata[k]=v into one object, leaving the other keys alone', () => {
    expect(gatherMetadataKeys({ 'metadata.job': '42', 'metadata[team]': 'ci', limit: '5' })).toEqual({
      limit: '5',
      metadata: { job: '42', team: 'ci' },
    });
    expect(gatherMetadataKeys({ 'metadata.a.b': 'x' })).toEqual({ metadata: { 'a.b': 'x' } });
    expect(gatherMetadataKeys({ state: 'running' })).toEqual({ state: 'running' });
  });

  it('keeps both values of a key given twice, and a bare metadata= beside the keys, for validation to refuse', () => {
    expect(gatherMetadataKeys({ 'metadata.job': ['1', '2'] })).toEqual({ metadata: { job: ['1', '2'] } });
    expect(gatherMetadataKeys({ 'metadata.job': '1', 'metadata[job]': '2' })).toEqual({
      metadata: { job: ['1', '2'] },
    });
    expect(gatherMetadataKeys({ metadata: 'x', 'metadata.job': '1' })).toEqual({ metadata: { job: '1', '': 'x' } });
    expect(gatherMetadataKeys({ 'metadata.job': '1', metadata: 'x' })).toEqual({ metadata: { job: '1', '': 'x' } });
    expect(gatherMetadataKeys({ metadata: 'x' })).toEqual({ metadata: 'x' });
  });

  it('keeps a key named __proto__ a key, at the top and in metadata, for validation to refuse', () => {
    const out = gatherMetadataKeys(JSON.parse('{"__proto__":"1","metadata.__proto__":"x"}'));
    expect(Object.keys(out).sort()).toEqual(['__proto__', 'metadata']);
    expect(Object.keys(out['metadata'] as object)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>)['x']).toBeUndefined();
  });
});
