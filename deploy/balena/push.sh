#!/usr/bin/env bash
# Push the trap-unit release to a balenaCloud fleet: stage the repo (no node_modules, no
# data) with deploy/balena/docker-compose.yml as its docker-compose.yml, then `balena push`.
set -euo pipefail
fleet="${1:?usage: deploy/balena/push.sh <fleet>}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
git -C "$root" ls-files -z | (cd "$root" && xargs -0 cp --parents -t "$stage")
cp "$root/deploy/balena/docker-compose.yml" "$stage/docker-compose.yml"
cp "$root/balena.yml" "$stage/balena.yml"
balena push "$fleet" --source "$stage"
