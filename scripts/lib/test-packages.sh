# shellcheck shell=bash
# Headless Chromium for the explorer's browser test (e2e/explorer.e2e.test.ts), from Debian's
# package: playwright-core drives it; no tool's own browser download is ever run.
ensure_chromium() {
  if command -v chromium >/dev/null; then return; fi
  [ "$(id -u)" = 0 ] || die "chromium is missing and only root can install it: sudo apt-get install -y chromium"
  log "installing the Debian package chromium (for the explorer's browser test)"
  local install=(env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium)
  if ! "${install[@]}" >/dev/null 2>&1; then
    apt-get update >/dev/null 2>&1 || true
    "${install[@]}" >/dev/null || die "could not install chromium"
  fi
}
