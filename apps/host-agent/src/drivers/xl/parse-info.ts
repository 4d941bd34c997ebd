/** `xl info`: "key : value" lines (values may be empty or hold colons). */
export function parseXlInfo(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([a-z_0-9]+)\s*:\s?(.*)$/.exec(line.trimEnd());
    if (m) out[m[1]!] = m[2]!.trim();
  }
  return out;
}

export interface XlInventory {
  hostname: string;
  xenVersion: string;
  nrCpus: number;
  coresPerSocket: number;
  threadsPerCore: number;
  nrNodes: number;
  totalMemoryMb: number;
  freeMemoryMb: number;
  hvm: boolean;
  hap: boolean;
  xenCaps: string;
  xenScheduler: string;
  hwCaps: string[];
}

const int = (v: string | undefined, field: string): number => {
  const n = Number(v);
  if (v === undefined || !Number.isFinite(n)) throw new Error(`xl info has no usable ${field}`);
  return n;
};

/** The inventory fields the control plane uses, from `xl info` (memory is in MB there). */
export function inventoryFromXlInfo(info: Record<string, string>): XlInventory {
  const virt = (info['virt_caps'] ?? '').split(/\s+/);
  return {
    hostname: info['host'] ?? '',
    xenVersion: info['xen_version'] ?? `${info['xen_major']}.${info['xen_minor']}${info['xen_extra'] ?? ''}`,
    nrCpus: int(info['nr_cpus'], 'nr_cpus'),
    coresPerSocket: Number(info['cores_per_socket'] ?? 1),
    threadsPerCore: Number(info['threads_per_core'] ?? 1),
    nrNodes: Number(info['nr_nodes'] ?? 1),
    totalMemoryMb: int(info['total_memory'], 'total_memory'),
    freeMemoryMb: int(info['free_memory'], 'free_memory'),
    hvm: virt.includes('hvm'),
    hap: virt.includes('hap'),
    xenCaps: info['xen_caps'] ?? '',
    xenScheduler: info['xen_scheduler'] ?? '',
    hwCaps: (info['hw_caps'] ?? '').split(':').filter(Boolean),
  };
}

/**
 * CPU features as comparable names: Xen's featureset words (hw_caps) bit by bit, "w<word>b<bit>".
 * Two hosts can take each other's migrating guests when the target has every feature the
 * source exposed; set names make that a subset check.
 */
export function cpuFeaturesFromHwCaps(words: readonly string[]): string[] {
  const out: string[] = [];
  words.forEach((hex, w) => {
    const value = Number.parseInt(hex, 16);
    if (!Number.isFinite(value)) return;
    for (let b = 0; b < 32; b++) if ((value >>> b) & 1) out.push(`w${w}b${b}`);
  });
  return out;
}

/** The CPU vendor dom0 sees (`xl info` does not say). */
export function cpuVendorFromCpuinfo(cpuinfo: string): string {
  return /^vendor_id\s*:\s*(\S+)/m.exec(cpuinfo)?.[1] ?? '';
}
