#!/usr/bin/env bash
# Campus — back up the database: one pg_dump in custom format (compressed, restorable table by table with
# pg_restore), written under a temporary name and renamed once complete, then the dumps older than the retention
# removed. Encryption at rest is the host's (an encrypted volume, or the backup store's own).
#
#   DATABASE_URL=postgres://…  CAMPUS_BACKUP_DIR=/var/backups/campus  CAMPUS_BACKUP_RETENTION_DAYS=14  campus-backup.sh
#
# Extra arguments go to pg_dump (make backup-check passes --snapshot to dump the very state it counts).
# Prints the path of the dump. Restore: see the README, "Backups".
set -euo pipefail
: "${DATABASE_URL:?DATABASE_URL is not set}"
dir=${CAMPUS_BACKUP_DIR:-/var/backups/campus}
days=${CAMPUS_BACKUP_RETENTION_DAYS:-14}
pg_dump=${PG_DUMP:-pg_dump}
case $days in ''|*[!0-9]*) echo "campus-backup: CAMPUS_BACKUP_RETENTION_DAYS=$days: expected a number of days" >&2; exit 2 ;; esac

umask 077
mkdir -p "$dir"
out="$dir/campus-$(date -u +%Y%m%dT%H%M%SZ).dump"
tmp="$out.partial"
trap 'rm -f "$tmp"' EXIT
"$pg_dump" --format=custom --compress=6 --no-owner --no-privileges --file="$tmp" "$@" "$DATABASE_URL"
# A dump that pg_restore cannot list is no backup.
"${PG_RESTORE:-pg_restore}" --list "$tmp" >/dev/null
mv "$tmp" "$out"
trap - EXIT
# Retention: the dumps of the last $days days stay (never the one just made).
find "$dir" -maxdepth 1 -type f -name 'campus-*.dump' -mtime +"$days" ! -path "$out" -print -delete >&2
echo "$out"
