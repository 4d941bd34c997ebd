import { parse } from 'yaml';
import { effectiveFormat, formatOutput } from './format';
import { renderFields, renderTable } from './table';

const vms = [
  { id: 'a1', name: 'web', state: 'running', addresses: [{ ip: '10.0.0.2' }, { ip: '10.1.0.2' }] },
  { id: 'b22', name: 'db-primary', state: 'building', addresses: [] },
];
const columns = [
  { header: 'id', value: (v: (typeof vms)[number]) => v.id },
  { header: 'name', value: (v: (typeof vms)[number]) => v.name },
  { header: 'addresses', value: (v: (typeof vms)[number]) => v.addresses.map((a) => a.ip) },
];

describe('output', () => {
  it('lines a table up on its widest cells, the last column unpadded', () => {
    expect(renderTable(vms, columns)).toBe(
      ['ID   NAME        ADDRESSES', 'a1   web         10.0.0.2,10.1.0.2', 'b22  db-primary'].join('\n') + '\n',
    );
  });

  it('keeps a row on one line whatever a value holds', () => {
    expect(renderTable([{ m: 'two\nlines' }], [{ header: 'm', value: (r) => r.m }])).toBe('M\ntwo lines\n');
  });

  it('shows one object as its fields', () => {
    expect(renderFields({ id: 'a1', metadata: { ci: '1' }, expiresAt: undefined })).toBe(
      'id         a1\nmetadata   {"ci":"1"}\nexpiresAt\n',
    );
  });

  it("prints JSON as the API's objects, a list as an array of items", async () => {
    expect(JSON.parse(await formatOutput(vms, 'json', columns))).toEqual(vms);
    expect(JSON.parse(await formatOutput(vms[0], 'json', columns))).toEqual(vms[0]);
  });

  it('prints YAML that reads back as the same objects', async () => {
    expect(parse(await formatOutput(vms, 'yaml', columns))).toEqual(vms);
  });

  it('defaults to a table on a terminal and JSON into a pipe', () => {
    expect(effectiveFormat(undefined, true)).toBe('table');
    expect(effectiveFormat(undefined, false)).toBe('json');
    expect(effectiveFormat('yaml', true)).toBe('yaml');
  });
});
