#!/usr/bin/env bash
# The outside programs the tests drive are not npm packages: Debian's mosquitto_pub / mosquitto_sub prove
# MQTT interop, and the dashboard tests drive a headless Chromium. `npm test` runs this first: it installs
# what is missing when it can (root, or sudo without a password, and apt-get), and otherwise names the
# packages to install and stops before any test runs.
set -euo pipefail

declare -A needs=([mosquitto_pub]=mosquitto-clients [mosquitto_sub]=mosquitto-clients [chromium]=chromium)

missing=()
for tool in "${!needs[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("${needs[$tool]}")
done
[ ${#missing[@]} -eq 0 ] && exit 0
packages=$(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')

if command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO=(sudo -n)
  else
    SUDO=(none)
  fi
  if [ "${SUDO[0]:-}" != none ]; then
    echo "test tools: installing ${packages}(Debian packages the interop tests use)" >&2
    "${SUDO[@]}" apt-get update -qq
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq ${packages} >/dev/null
    exit 0
  fi
fi

echo "test tools: missing ${packages}- install them (Debian: apt-get install ${packages}) and run npm test again" >&2
exit 1
