#!/usr/bin/env bash
# Liveness check for the edge agent, run by pretag-edge-healthcheck.timer. The agent cannot send
# systemd watchdog pings (Node has no unix datagram sockets), so this stands in for WatchdogSec:
# any HTTP answer from /healthz (200, or 503 while no camera streams) counts as alive; after
# --failures checks in a row without an answer, the unit is restarted.
#
#   healthcheck.sh --url URL --unit UNIT --state FILE [--failures N] [--dry-run]
set -euo pipefail

url='' unit='' state='' failures=3 dry_run=0
while (($#)); do
  case "$1" in
    --url) url=$2; shift 2 ;;
    --unit) unit=$2; shift 2 ;;
    --state) state=$2; shift 2 ;;
    --failures) failures=$2; shift 2 ;;
    --dry-run) dry_run=1; shift ;;
    -h | --help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "healthcheck: unknown option '$1'" >&2; exit 2 ;;
  esac
done
if [ -z "$url" ] || [ -z "$unit" ] || [ -z "$state" ]; then
  echo "healthcheck: --url, --unit and --state are required" >&2
  exit 2
fi

# Not running (stopped on purpose, or between restarts): nothing to check.
if ((!dry_run)) && ! systemctl is-active --quiet "$unit"; then
  rm -f "$state"
  exit 0
fi

code=$(curl -s -o /dev/null -m 5 -w '%{http_code}' "$url" || true)
if [ "${code:-000}" != 000 ]; then
  rm -f "$state"
  exit 0
fi
n=$(($(cat "$state" 2>/dev/null || echo 0) + 1))
echo "$n" >"$state"
echo "healthcheck: $url did not answer ($n/$failures)" >&2
if ((n >= failures)); then
  rm -f "$state"
  if ((dry_run)); then
    echo "healthcheck: would run: systemctl restart $unit"
  else
    echo "healthcheck: restarting $unit" >&2
    systemctl restart "$unit"
  fi
fi
