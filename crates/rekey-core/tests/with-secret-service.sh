#!/bin/sh
# Runs CMD... inside a private D-Bus session with gnome-keyring's Secret Service, unlocked, its
# keyrings in a throwaway folder: what the real-keyring tests need, without touching your own keyring.
#   crates/rekey-core/tests/with-secret-service.sh cargo test -p rekey-core --test token_store
set -eu
if [ "$#" -eq 0 ]; then
  echo "usage: $0 CMD [ARG...]" >&2
  exit 2
fi
for tool in dbus-run-session gnome-keyring-daemon; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "$0: $tool is missing; install it with: sudo apt install dbus gnome-keyring" >&2
    exit 2
  fi
done
exec dbus-run-session -- sh -c '
  keyrings=$(mktemp -d)
  export XDG_DATA_HOME="$keyrings"
  if ! started=$(printf pw | gnome-keyring-daemon --unlock --components=secrets); then
    echo "with-secret-service.sh: gnome-keyring-daemon did not start" >&2
    exit 2
  fi
  eval "$started"
  # Until the daemon owns its bus name, a client would have D-Bus start a second one, whose
  # environment lines land on the command'"'"'s stdout (a JSON answer read from it breaks): wait for it.
  if command -v dbus-send >/dev/null 2>&1; then
    tries=0
    until dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
        org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q "boolean true"; do
      tries=$((tries + 1))
      if [ "$tries" -ge 100 ]; then
        echo "with-secret-service.sh: the Secret Service did not appear on the bus" >&2
        break
      fi
      sleep 0.05
    done
  fi
  status=0
  "$@" || status=$?
  rm -rf "$keyrings"
  exit "$status"
' sh "$@"
