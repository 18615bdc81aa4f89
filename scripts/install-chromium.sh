#!/usr/bin/env bash
# Debian's Chromium for the browser tests (tests/web drive it headless with Playwright, launched
# at /usr/bin/chromium; `playwright install` is never used). Idempotent: installs only if missing.
set -euo pipefail

if [[ -x /usr/bin/chromium ]]; then exit 0; fi
if [[ $(id -u) -ne 0 ]]; then
  echo "install-chromium: /usr/bin/chromium is missing and this is not root: run 'apt-get install -y chromium' as root" >&2
  exit 1
fi
echo "install-chromium: installing Chromium from Debian's packages" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq chromium >&2
[[ -x /usr/bin/chromium ]] || { echo "install-chromium: chromium installed but /usr/bin/chromium is missing" >&2; exit 1; }
