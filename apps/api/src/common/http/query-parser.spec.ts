import { parseQueryString } from './query-parser';

describe('parseQueryString', () => {
  it('parses as Express 5 does by default, repeated keys as arrays', () => {
    expect(parseQueryString('limit=5&state=running&state=stopped&name=a%20b')).toEqual({
      limit: '5',
      state: ['running', 'stopped'],
      name: 'a b',
    });
  });

  it('gathers metadata keys in either spelling, percent-decoded, into one object', () => {
    expect(parseQueryString('metadata.job=42&metadata%5Bteam%5D=ci&limit=2')).toEqual({
      limit: '2',
      metadata: { job: '42', team: 'ci' },
    });
  });

  it('leaves a string a string: no nesting from brackets anywhere else', () => {
    expect(parseQueryString('name[x]=1')).toEqual({ 'name[x]': '1' });
  });
});
