#!/bin/sh
# Device container entry: materialise the bundle from the SPOOR_*_B64 variables (balena
# device variables, or the compose environment), then run the daemon as PID 1's child-free exec.
set -eu
node /opt/spoor/provisioning/bin/spoor-provision.js bundle from-env --out /run/spoor
mkdir -p /data/spoor/inbox
exec node /opt/spoor/device/bin/spoor-device.js run --config /run/spoor/device.json "$@"
