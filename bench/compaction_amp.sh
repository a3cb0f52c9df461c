#!/usr/bin/env bash
#
# bench/compaction_amp.sh -- write and space amplification of a compaction
# policy under a steady overwrite (docs/architecture.md, "Compaction").
#
#   bench/compaction_amp.sh NAME L0_RUNS FANOUT KEYS ROUNDS
#
# Runs against the server psql reaches through the usual PG* environment
# variables (kvam preloaded, the extension created).  Loads KEYS keys of
# ~200 bytes in 100 transactions into a table of 8 partitions with
# kvam.memtable_size = 256kB, then overwrites all of them ROUNDS times in
# 100 transactions per round, with a VACUUM after each round, and prints:
#   WA(WAL)         WAL bytes written during the rounds / logical bytes
#   WA(compaction)  compaction output bytes / logical bytes
#   SA              relation size after the rounds (and the largest) /
#                   the size of the table fully compacted (kvam.compact)
# Logical bytes: the rows' size (pg_column_size) times ROUNDS.

set -euo pipefail
name=$1 l0=$2 fan=$3 keys=$4 rounds=$5
q() { psql -X -q -At "$@"; }

q <<SQL
SET kvam.default_partitions = 8;
DROP TABLE IF EXISTS amp_$name;
CREATE TABLE amp_$name (pk text COLLATE "C" NOT NULL, v text NOT NULL) USING kvam;
CREATE UNIQUE INDEX amp_${name}_key ON amp_$name USING kvam_key (pk);
ALTER TABLE amp_$name SET (autovacuum_enabled = off);
CREATE OR REPLACE PROCEDURE amp_round_$name(r int) LANGUAGE plpgsql AS \$\$
BEGIN
  SET kvam.memtable_size = '256kB';
  SET kvam.compaction_l0_runs = $l0;
  SET kvam.compaction_fanout = $fan;
  FOR i IN 0..99 LOOP
    IF r = 0 THEN
      INSERT INTO amp_$name SELECT 'k' || g, repeat('x', 150)
      FROM generate_series(i * ($keys / 100) + 1, (i + 1) * ($keys / 100)) g;
    ELSE
      UPDATE amp_$name SET v = repeat(chr(97 + r % 26), 150)
      WHERE pk IN (SELECT 'k' || g FROM generate_series(i * ($keys / 100) + 1, (i + 1) * ($keys / 100)) g);
    END IF;
    COMMIT;
  END LOOP;
END \$\$;
CALL amp_round_$name(0);
VACUUM amp_$name;
SQL
lsn0=$(q -c "SELECT pg_current_wal_lsn()")
cb0=$(q -c "SELECT sum(compact_blocks) FROM kvam.partitions('amp_$name')")
sizes=() max=0
for r in $(seq 1 "$rounds"); do
	q -c "CALL amp_round_$name($r)" -c "VACUUM amp_$name"
	s=$(q -c "SELECT pg_relation_size('amp_$name') / 8192")
	sizes+=("$s")
	(( s > max )) && max=$s
done
wal=$(q -c "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '$lsn0')")
cb=$(q -c "SELECT sum(compact_blocks) - $cb0 FROM kvam.partitions('amp_$name')")
logical=$(q -c "SELECT sum(pg_column_size(a.*)) * $rounds FROM amp_$name a")
q -c "SELECT kvam.compact('amp_$name')" >/dev/null
live=$(q -c "SELECT sum(run_blocks) FROM kvam.partitions('amp_$name')")
last=${sizes[-1]}
python3 - <<PY
wal, cb, lg, live, mx, last = $wal, $cb, $logical, $live, $max, $last
print('%s l0_runs=%s fanout=%s keys=%s rounds=%s: WA(WAL)=%.2f WA(compaction)=%.2f SA=%.2f SA(max)=%.2f live=%d blocks, sizes: %s'
      % ('$name', '$l0', '$fan', '$keys', '$rounds', wal / lg, cb * 8192 / lg, last / live, mx / live, live, '${sizes[*]}'))
PY
q -c "DROP TABLE amp_$name; DROP PROCEDURE amp_round_$name(int)"
