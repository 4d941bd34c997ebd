#!/bin/sh
# /init of the tiny PV test guest: a busybox initramfs on the host's own kernel. It says it is
# up on its console (hvc0, which xenconsoled logs in dom0) and then idles, so dom0 can see it
# running in `xl list`; dom0 destroys it when done.
mount -t proc proc /proc
mount -t sysfs sysfs /sys
echo "TINY-GUEST-UP kernel=$(uname -r) hypervisor=$(cat /sys/hypervisor/type 2>/dev/null)"
while true; do sleep 3600; done
