import type { Db } from './client';
import { Prisma } from './generated/prisma/client';

/** A VM's vif as its host builds it and its guest configures it: the address it holds on a network, and the network's bridge, prefix, gateway and DNS. */
export interface VmVif {
  device: number;
  mac: string;
  ip: string;
  bridge: string;
  networkId: string;
  network: string;
  /** the network's prefix length (24 for a /24) */
  prefix: number;
  gateway: string;
  dns: string[];
}

/** SQL expression: the vifs of the VM whose id `vmId` is, a JSON array in device order. */
export const vifsOf = (vmId: Prisma.Sql): Prisma.Sql => Prisma.sql`(
      SELECT coalesce(jsonb_agg(jsonb_build_object('device', a.device, 'mac', a.mac, 'ip', host(a.ip), 'bridge', n.bridge,
        'networkId', n.id, 'network', n.name, 'prefix', masklen(n.cidr), 'gateway', host(n.gateway),
        'dns', to_jsonb(ARRAY(SELECT host(d.x) FROM unnest(n.dns) WITH ORDINALITY AS d(x, o) ORDER BY d.o))) ORDER BY a.device), '[]'::jsonb)
      FROM vm_addresses a JOIN networks n ON n.id = a.network_id WHERE a.vm_id = ${vmId})`;

/** The VM's vifs (none when it has no address). */
export async function vmVifs(db: Db, vmId: string): Promise<VmVif[]> {
  const rows = await db.$queryRaw<{ vifs: VmVif[] }[]>`SELECT ${vifsOf(Prisma.sql`${vmId}::uuid`)} AS vifs`;
  return rows[0]?.vifs ?? [];
}
