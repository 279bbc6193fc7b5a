#!/bin/sh
# Installs what the real-VS-Code tests (test/e2e, `npm run test:e2e`) need, following shared/docs/vscode-harness.md:
#  - Debian packages: a C toolchain for code-server's native modules, ripgrep, chromium;
#  - the @vscode/ripgrep download cache seeded with Debian's rg (its postinstall would call api.github.com);
#  - code-server 4.100.3 (VS Code 1.100.3, the newest for node 20) and playwright-core into .harness/, a package of
#    its own so the project's package.json and lock stay untouched.
# Idempotent: each part is skipped when already done. POSIX sh; run as root (CI and the dev machines are root).
set -eu

CODE_SERVER_VERSION=4.100.3
# playwright-core drives Debian's chromium (156 on bookworm-security in 2026-11) over CDP; 1.65.1 is tested with it.
PLAYWRIGHT_VERSION=1.65.1
RIPGREP_CACHE_VERSION=1.15.11
RIPGREP_ASSET=ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz

cd "$(dirname "$0")/.."
ROOT=$(pwd)
H="$ROOT/.harness"

log() { printf 'e2e-setup: %s\n' "$*"; }

# 1. Debian packages.
need_apt=
for cmd in cc make python3 pkg-config rg chromium ssh; do
  command -v "$cmd" >/dev/null 2>&1 || need_apt=1
done
# The live-host tests (test/live) run a real OpenSSH server on 127.0.0.1.
[ -x /usr/sbin/sshd ] || need_apt=1
[ -e /usr/include/krb5.h ] || [ -e /usr/include/krb5/krb5.h ] || need_apt=1
if [ -n "$need_apt" ]; then
  log "apt-get install build-essential python3 pkg-config libkrb5-dev ripgrep chromium openssh-server openssh-client"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y --no-install-recommends build-essential python3 pkg-config libkrb5-dev ripgrep chromium openssh-server openssh-client
else
  log "Debian packages present"
fi

# 2. Seed @vscode/ripgrep's cache (the path its postinstall looks in) with Debian's rg.
C="${TMPDIR:-/tmp}/vscode-ripgrep-cache-$RIPGREP_CACHE_VERSION"
if [ ! -s "$C/$RIPGREP_ASSET" ]; then
  log "seeding $C/$RIPGREP_ASSET with $(command -v rg)"
  mkdir -p "$C"
  d=$(mktemp -d)
  cp "$(command -v rg)" "$d/rg"
  tar czf "$C/$RIPGREP_ASSET" -C "$d" rg
  rm -rf "$d"
fi

# 3. code-server and playwright-core in .harness/.
installed_version() { # $1: package name; prints its installed version or nothing
  f="$H/node_modules/$1/package.json"
  [ -f "$f" ] && node -p "require('$f').version" 2>/dev/null || true
}
cs_ok=
[ -x "$H/node_modules/.bin/code-server" ] && [ "$(installed_version code-server)" = "$CODE_SERVER_VERSION" ] \
  && [ -d "$H/node_modules/code-server/lib/vscode/node_modules" ] && cs_ok=1
pw_ok=
[ "$(installed_version playwright-core)" = "$PLAYWRIGHT_VERSION" ] && pw_ok=1
if [ -n "$cs_ok" ] && [ -n "$pw_ok" ]; then
  log "code-server $CODE_SERVER_VERSION and playwright-core $PLAYWRIGHT_VERSION present in .harness/"
else
  mkdir -p "$H"
  [ -f "$H/package.json" ] || echo '{"private":true}' > "$H/package.json"
  log "npm install code-server@$CODE_SERVER_VERSION playwright-core@$PLAYWRIGHT_VERSION in .harness/ (about 80 s)"
  # unsafe_perm: as root code-server's postinstall otherwise stops with "Please pass --unsafe-perm".
  # yes: node-pty's postinstall runs `npx node-gyp configure`, which otherwise asks and is cancelled.
  (cd "$H" && env npm_config_unsafe_perm=true npm_config_yes=true npm_config_fund=false npm_config_audit=false \
    npm install --foreground-scripts --save-exact "code-server@$CODE_SERVER_VERSION" "playwright-core@$PLAYWRIGHT_VERSION")
  [ -d "$H/node_modules/code-server/lib/vscode/node_modules" ] \
    || { log "code-server's postinstall did not install lib/vscode/node_modules"; exit 1; }
fi
log "ready: code-server $(installed_version code-server), playwright-core $(installed_version playwright-core), $(chromium --version 2>/dev/null)"
