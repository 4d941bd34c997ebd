#!/bin/sh
# /init of the tiny test guest (PV or PVH): a busybox initramfs on the host's own kernel. It says
# it is up on its console (hvc0, which xenconsoled logs in dom0), reports what its disks hold,
# and then idles, so dom0 can see it running in `xl list`; dom0 destroys it when done.
#
# What it reports, one line each, for the lab scripts and tests to read from the console log:
#   cidata hostname=<local-hostname>   from the NoCloud config drive (the drive labelled cidata,
#   cidata ip=<first address, no /len> xvdz), mounted read-only: meta-data and network-config
#   cidata key=<first public key>
#   xvda marker=<first line of xvda>   then it writes a new first line with its boot counter + 1,
#                                      so a copy-on-write root disk shows what a guest changed
#   tick <n> <uptime>                  with xp.tick on its command line, 5 a second (below)
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "TINY-GUEST-UP kernel=$(uname -r) hypervisor=$(cat /sys/hypervisor/type 2>/dev/null)"

# modules.list is in dependency order (lab.mjs resolved it from modules.dep)
for m in $(cat /lib/modules.list 2>/dev/null); do insmod "/lib/modules/$m.ko" 2>/dev/null; done

# blkfront connects its disks asynchronously: wait until every vbd xenbus names has a block device
vbds() { ls -d /sys/bus/xen/devices/vbd-* 2>/dev/null | wc -l; }
blocks() { ls -d /sys/block/xvd* 2>/dev/null | wc -l; }
i=0
while [ "$(blocks)" -lt "$(vbds)" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done

# the first value of a YAML key ("key: value" or the first "- item" after "key:") in a file
yaml_first() {
  awk -v key="$1" '
    $0 ~ "^[ ]*" key ":" {
      v = $0; sub("^[ ]*" key ":[ ]*", "", v)
      if (v != "") { print v; exit }
      want = 1; next
    }
    want && /^[ ]*- / { v = $0; sub(/^[ ]*- /, "", v); print v; exit }
  ' "$2" | sed -e "s/^['\"]//" -e "s/['\"]\$//"
}

cidata_device() {
  dev=$(findfs LABEL=cidata 2>/dev/null)
  [ -n "$dev" ] && { echo "$dev"; return; }
  [ -b /dev/xvdz ] && echo /dev/xvdz
}

dev=$(cidata_device)
if [ -n "$dev" ]; then
  mkdir -p /cidata
  if mount -t iso9660 -o ro "$dev" /cidata; then
    echo "cidata hostname=$(yaml_first local-hostname /cidata/meta-data)"
    # the address without its prefix length, as the VM view shows it
    [ -f /cidata/network-config ] && echo "cidata ip=$(yaml_first addresses /cidata/network-config | cut -d/ -f1)"
    echo "cidata key=$(yaml_first public-keys /cidata/meta-data)"
  else
    echo "cidata mount of $dev failed"
  fi
fi

if [ -b /dev/xvda ]; then
  # the first line, read from the first sector only (a blank disk has no newline at all)
  line=$(head -c 512 /dev/xvda | tr -d '\000' | head -n 1)
  echo "xvda marker=$line"
  n=$(echo "$line" | sed -n 's/.* boot=\([0-9][0-9]*\).*/\1/p')
  base=$(echo "$line" | sed 's/ boot=[0-9]*//')
  [ -n "$base" ] || base=blank-disk
  printf '%s boot=%d\n' "$base" $((${n:-0} + 1)) | dd of=/dev/xvda bs=512 count=1 conv=notrunc,fsync 2>/dev/null
  sync
  echo "xvda wrote=$(head -c 512 /dev/xvda | tr -d '\000' | head -n 1)"
fi

# Booted with xp.tick on its command line, it prints a numbered tick with its uptime (CLOCK_BOOTTIME:
# it counts the time a live migration holds it suspended) five times a second: the longest gap
# between two ticks across a migration is the downtime the guest saw (pool-migration.ts).
if grep -qw xp.tick /proc/cmdline; then
  n=0
  while true; do
    n=$((n + 1))
    read -r up _ < /proc/uptime
    echo "tick $n $up"
    usleep 200000
  done
fi

while true; do sleep 3600; done
