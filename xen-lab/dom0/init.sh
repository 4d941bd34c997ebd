#!/bin/sh
# /init of the xen-lab dom0 (a PV dom0 kernel running from an initramfs, under Xen, under QEMU).
# It starts the smallest Xen userspace `xl` needs, runs /lab/test.sh (the part that changes from
# run to run), packs /out into a tar on the virtio disk QEMU gave us, and powers the machine off.
# Every line starting with "LAB " is read by xen-lab/lab.mjs on the serial console.
# real programs (bash, losetup, flock, xl) before the busybox applets in /bin
export PATH=/usr/lib/xen-4.17/bin:/usr/sbin:/usr/bin:/sbin:/bin
# no udev here: libdevmapper must make and remove /dev/mapper/<name> itself (else `dmsetup create`
# leaves no node to open and `dmsetup remove` leaves a stale one); the agent inherits this
export DM_DISABLE_UDEV=1
up() { cut -d' ' -f1 /proc/uptime; }

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# the block hotplug script reads /dev/stdin and /dev/fd/N; devtmpfs does not make these links
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
mkdir -p /dev/pts /run/lock /run/xen /run/xenstored /var/log/xen /out
mount -t devpts devpts /dev/pts
hostname xen-lab
echo "LAB dom0-up uptime=$(up)"

# modules.list is in dependency order (build-dom0.mjs resolved it from modules.dep)
for m in $(cat /lab/modules.list); do insmod "/lib/modules/$m.ko" || echo "LAB warn insmod $m failed"; done
mount -t xenfs xenfs /proc/xen

XENSTORED_ROOTDIR=/run/xenstored xenstored --pid-file /run/xenstored.pid
i=0
while ! xenstore-read -s / >/dev/null 2>&1; do
  i=$((i + 1)); [ $i -gt 30 ] && { echo "LAB warn xenstored not answering"; break; }
  sleep 1
done
xen-init-dom0 >/dev/null
xenconsoled --pid-file /run/xenconsoled.pid --log=guest --log-dir=/var/log/xen
echo "LAB xen-ready uptime=$(up)"

. /lab/lib.sh
sh -c '. /lab/lib.sh; . /lab/test.sh'
rc=$?
echo "LAB test-done rc=$rc uptime=$(up)"

# hand /out back: the host reads this tar straight off the disk image
i=0
while [ ! -b /dev/vda ] && [ $i -lt 20 ]; do sleep 0.5; i=$((i + 1)); done
cp /var/log/xen/*.log /out/ 2>/dev/null
if [ -b /dev/vda ]; then
  tar -C /out -cf /dev/vda . && sync && echo "LAB out-written"
else
  echo "LAB warn no /dev/vda, results lost"
fi
echo "LAB done uptime=$(up)"
poweroff -f
