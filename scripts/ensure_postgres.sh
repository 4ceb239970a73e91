#!/usr/bin/env bash
# Make sure a local PostgreSQL accepts connections on 127.0.0.1:5432 (for the
# records tests). Idempotent; prints what it does.
#   already listening            -> nothing to do
#   installed, cluster stopped   -> pg_ctlcluster ... start
#   not installed (root only)    -> apt-get install postgresql, allow the local
#                                   user "postgres" without a password over
#                                   127.0.0.1/::1 (trust, as the tests expect),
#                                   start the cluster
# Environment: MEET_PG_PORT (5432), MEET_PG_CLUSTER (main).
set -euo pipefail
PORT=${MEET_PG_PORT:-5432}
CLUSTER=${MEET_PG_CLUSTER:-main}
say() { printf '[postgres] %s\n' "$*"; }
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }
as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo -n "$@"
  else say "root is needed for: $*"; exit 1
  fi
}
newest_version() { ls /etc/postgresql 2>/dev/null | sort -V | tail -1; }

if listening; then
  say "already accepting connections on 127.0.0.1:$PORT"
  exit 0
fi

installed_now=0
if [ -z "$(newest_version)" ] || ! command -v pg_ctlcluster >/dev/null; then
  say "PostgreSQL is not installed: installing Debian's postgresql"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  installed_now=1
fi

VERSION=$(newest_version)
if [ -z "$VERSION" ]; then
  VERSION=$(ls /usr/lib/postgresql | sort -V | tail -1)
fi
if [ ! -d "/etc/postgresql/$VERSION/$CLUSTER" ]; then
  say "creating cluster $VERSION/$CLUSTER on port $PORT"
  as_root pg_createcluster "$VERSION" "$CLUSTER" --port "$PORT" >/dev/null
  installed_now=1
fi

if [ "$installed_now" = 1 ]; then
  HBA="/etc/postgresql/$VERSION/$CLUSTER/pg_hba.conf"
  if ! grep -q '^# meet tests' "$HBA"; then
    say "allowing user postgres without a password from 127.0.0.1 and ::1 (tests)"
    as_root sh -c "{ printf '# meet tests: local trust for user postgres\n'; \
      printf 'host all postgres 127.0.0.1/32 trust\n'; \
      printf 'host all postgres ::1/128 trust\n'; cat '$HBA'; } > '$HBA.new' \
      && cat '$HBA.new' > '$HBA' && rm -f '$HBA.new'"
  fi
fi

status=$(pg_lsclusters --no-header 2>/dev/null | awk -v v="$VERSION" -v c="$CLUSTER" '$1==v && $2==c {print $4}')
if [ "$status" = "online" ]; then
  if [ "$installed_now" = 1 ]; then
    say "reloading cluster $VERSION/$CLUSTER (new authentication rules)"
    as_root pg_ctlcluster --skip-systemctl-redirect "$VERSION" "$CLUSTER" reload
  fi
else
  say "starting cluster $VERSION/$CLUSTER"
  as_root pg_ctlcluster --skip-systemctl-redirect "$VERSION" "$CLUSTER" start
fi

for _ in $(seq 1 60); do
  if listening; then
    say "accepting connections on 127.0.0.1:$PORT"
    exit 0
  fi
  sleep 0.5
done
say "PostgreSQL did not start listening on 127.0.0.1:$PORT; see /var/log/postgresql/"
exit 1
