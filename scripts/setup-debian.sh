#!/usr/bin/env bash
# Installs what Rekey needs on Debian 12 and is missing: WebKitGTK and friends from apt, the UI's npm
# packages, tauri-driver, and the Python packages of the end-to-end suite. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

BUILD_PACKAGES="build-essential pkg-config libdbus-1-dev libwebkit2gtk-4.1-dev libxdo-dev libssl-dev libayatana-appindicator3-dev librsvg2-dev"
RUN_PACKAGES="xvfb xauth dbus"
# dunst: a real notification daemon (org.freedesktop.Notifications) for the expiry-alert tests.
TEST_PACKAGES="webkit2gtk-driver gnome-keyring keyutils imagemagick python3-venv dunst"

need_tool() {
  if ! command -v "$1" >/dev/null 2>&1; then
    echo "setup: $1 is missing. $2" >&2
    exit 1
  fi
}

apt_install() {
  local missing=""
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
  done
  if [ -n "$missing" ]; then
    echo "setup: apt-get install$missing"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
  fi
}

need_tool cargo "Install Rust with rustup (https://rustup.rs), then open a new shell."
need_tool node "Install Node.js 20 or newer."
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  echo "setup: Node.js $node_major is too old; Rekey's UI needs Node.js 20 or newer." >&2
  exit 1
fi

mode="${1:-run}"
# shellcheck disable=SC2086
apt_install $BUILD_PACKAGES $RUN_PACKAGES
if [ "$mode" = "test" ]; then
  # shellcheck disable=SC2086
  apt_install $TEST_PACKAGES
fi

if [ ! -d ui/node_modules ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
  echo "setup: npm ci (ui)"
  (cd ui && npm ci --no-audit --no-fund --loglevel=error)
fi

if [ "$mode" = "test" ]; then
  if ! command -v tauri-driver >/dev/null 2>&1 && [ ! -x "$HOME/.cargo/bin/tauri-driver" ]; then
    echo "setup: cargo install tauri-driver"
    cargo install tauri-driver --version "^2" --locked --quiet
  fi
  # License, ban, source and advisory checks of the dependency tree (deny.toml); about 3 minutes to build once.
  if ! command -v cargo-deny >/dev/null 2>&1 && [ ! -x "$HOME/.cargo/bin/cargo-deny" ]; then
    echo "setup: cargo install cargo-deny"
    cargo install cargo-deny --version "^0.20" --locked --quiet
  fi
  if [ ! -x tests/.venv/bin/pytest ] || [ tests/requirements.txt -nt tests/.venv/bin/pytest ]; then
    echo "setup: Python packages for the end-to-end suite"
    python3 -m venv tests/.venv
    tests/.venv/bin/pip install --quiet --disable-pip-version-check -r tests/requirements.txt
    touch tests/.venv/bin/pytest
  fi
  if [ ! -x tests/.venv-azcli/bin/az ] || [ tests/azcli/requirements.txt -nt tests/.venv-azcli/bin/az ]; then
    echo "setup: the Azure CLI for tests/azcli (its own venv; about 1.5 minutes)"
    python3 -m venv tests/.venv-azcli
    tests/.venv-azcli/bin/pip install --quiet --disable-pip-version-check -r tests/azcli/requirements.txt
    touch tests/.venv-azcli/bin/az
  fi
fi
