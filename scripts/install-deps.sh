#!/usr/bin/env bash
# Installs every system package kafkapg needs to build, run, test and benchmark
# on Debian 12.  Idempotent: installs only what is missing, and runs
# apt-get update at most once per invocation.  Used by `make run` and .ci/run.
set -euo pipefail

PACKAGES=(
	build-essential pkg-config
	postgresql-15 postgresql-server-dev-15 postgresql-client-15 libpq-dev
	libzstd-dev liblz4-dev libsnappy-dev zlib1g-dev libssl-dev
	librdkafka-dev kcat
	python3 python3-kafka python3-confluent-kafka python3-snappy python3-lz4 python3-zstandard
	libipc-run-perl
)

missing=()
for p in "${PACKAGES[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done

# Node may come from another packaging (nodesource bundles npm and conflicts
# with Debian's npm package): only ask for Debian's when npm is absent.
if ! command -v npm >/dev/null 2>&1; then
	missing+=(nodejs npm)
fi

if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages: ${missing[*]}" >&2
	echo "install-deps: run as root (or install them with apt-get) and retry" >&2
	exit 1
fi

# kafkapg runs its own clusters: keep Debian from creating and starting a
# default 15/main cluster on port 5432 when it installs the server.
if [ -d /etc/postgresql-common ] || [ ! -e /etc/postgresql-common ]; then
	mkdir -p /etc/postgresql-common/createcluster.d
	[ -e /etc/postgresql-common/createcluster.d/kafkapg.conf ] ||
		echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.d/kafkapg.conf
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
