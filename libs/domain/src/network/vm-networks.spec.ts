import { chooseVmNetworks, type NetworkChoice, networkLookup } from './vm-networks';

const P1 = '11111111-1111-4111-8111-111111111111';
const P2 = '22222222-2222-4222-8222-222222222222';
const net = (id: string, name: string, poolId: string, isDefault = false): NetworkChoice => ({
  id: `00000000-0000-4000-8000-00000000000${id}`,
  name,
  poolId,
  isDefault,
});
const lan1 = net('1', 'lan', P1, true);
const dmz1 = net('2', 'dmz', P1);
const lan2 = net('3', 'lan', P2);
const def2 = net('4', 'main', P2, true);

describe('the networks of a new VM', () => {
  it('without networks asked: the default network of the pool named, which pins nothing more', () => {
    expect(chooseVmNetworks(undefined, P1, [lan1, def2])).toEqual({ ok: true, networks: [lan1], poolId: P1 });
    expect(chooseVmNetworks(undefined, P2, [lan1])).toEqual({ ok: true, networks: [], poolId: P2 });
  });

  it('without networks or a pool: the one default network, whose pool the VM then lives in', () => {
    expect(chooseVmNetworks(undefined, undefined, [def2])).toEqual({ ok: true, networks: [def2], poolId: P2 });
  });

  it('without networks or a pool, and no default network: none, placed anywhere as before', () => {
    expect(chooseVmNetworks(undefined, undefined, [])).toEqual({ ok: true, networks: [] });
  });

  it('without networks or a pool, and several pools with a default network: ambiguous, as in Nova', () => {
    expect(chooseVmNetworks(undefined, undefined, [lan1, def2])).toEqual({
      ok: false,
      field: 'networks',
      message: 'several pools have a default network (lan, main): give poolId or networks',
    });
  });

  it('an empty list: no network at all, even with a default', () => {
    expect(chooseVmNetworks([], P1, [lan1])).toEqual({ ok: true, networks: [], poolId: P1 });
    expect(chooseVmNetworks([], undefined, [lan1])).toEqual({ ok: true, networks: [] });
  });

  it('by name in the pool named, by id anywhere: in the order asked, the VM in their pool', () => {
    expect(chooseVmNetworks(['dmz', 'lan'], P1, [lan1, dmz1, lan2])).toEqual({
      ok: true,
      networks: [dmz1, lan1],
      poolId: P1,
    });
    expect(chooseVmNetworks([dmz1.id.toUpperCase()], undefined, [dmz1])).toEqual({
      ok: true,
      networks: [dmz1],
      poolId: P1,
    });
  });

  it('a name two pools share needs the pool or the id', () => {
    expect(chooseVmNetworks(['lan'], undefined, [lan1, lan2])).toEqual({
      ok: false,
      field: 'networks[0]',
      message: "several pools have a network named lan: give poolId or the network's id",
    });
    expect(chooseVmNetworks(['lan'], P2, [lan1, lan2])).toMatchObject({ ok: true, networks: [lan2] });
  });

  it.each([
    [['nope'], P1, 'networks[0]', 'no such network nope'],
    [['dmz'], P2, 'networks[0]', `pool ${P2} has no network dmz`],
    [[dmz1.id], P2, 'networks[0]', `network dmz is not in pool ${P2}`],
    [['lan', lan1.id], P1, 'networks[1]', 'network lan is named twice: a VM has one address per network'],
    [[dmz1.id, def2.id], undefined, 'networks[1]', 'network main is in another pool than dmz: a VM lives in one pool'],
    [
      ['00000000-0000-4000-8000-000000000009'],
      undefined,
      'networks[0]',
      'no such network 00000000-0000-4000-8000-000000000009',
    ],
  ])('refuses %j in pool %s', (requested, poolId, field, message) => {
    expect(chooseVmNetworks(requested, poolId, [lan1, dmz1, lan2, def2])).toEqual({ ok: false, field, message });
  });

  it('looks networks up by the ids among the entries, and by every entry as a name', () => {
    expect(networkLookup(['lan', dmz1.id.toUpperCase()])).toEqual({
      ids: [dmz1.id],
      names: ['lan', dmz1.id.toUpperCase()],
    });
    expect(networkLookup(undefined)).toEqual({ ids: [], names: [] });
  });
});
