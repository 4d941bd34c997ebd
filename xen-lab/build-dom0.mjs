#!/usr/bin/env node
// Builds the xen-lab dom0 initramfs into xen-lab/work/dom0-base.cpio.gz from this machine's own
// Debian packages (no root, no debootstrap, no network). Reused while its inputs are unchanged.
// usage: node xen-lab/build-dom0.mjs [--force]
import { buildDom0, requirementsMessage, say } from './lab.mjs';

const missing = requirementsMessage();
if (missing) {
  say(missing);
  process.exit(2);
}
buildDom0({ force: process.argv.includes('--force'), log: say });
