# shellcheck shell=bash
# Debian packages the end-to-end tests drive, installed when missing: headless Chromium for the
# explorer's browser test (e2e/explorer.e2e.test.ts; playwright-core drives it, no tool's own
# browser download is ever run) and jq for the pages' examples (e2e/docs-examples.e2e.test.ts).
ensure_debian_command() { # ensure_debian_command <command> <package> <what for>
  if command -v "$1" >/dev/null; then return; fi
  [ "$(id -u)" = 0 ] || die "$1 is missing and only root can install it: sudo apt-get install -y $2"
  log "installing the Debian package $2 ($3)"
  local install=(env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$2")
  if ! "${install[@]}" >/dev/null 2>&1; then
    apt-get update >/dev/null 2>&1 || true
    "${install[@]}" >/dev/null || die "could not install $2"
  fi
}

ensure_chromium() { ensure_debian_command chromium chromium "for the explorer's browser test"; }
ensure_jq() { ensure_debian_command jq jq "for the examples of the README and docs/"; }
