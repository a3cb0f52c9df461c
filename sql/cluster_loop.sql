-- Rule 5 of a kvam cluster: a slot named kvam_cluster_* does not decode
-- changes that carry a replication origin (they were applied from another
-- node); every other slot still sees them.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS kvam;
RESET client_min_messages;

CREATE TABLE loop_t (pk text COLLATE "C" NOT NULL, item jsonb) USING kvam;
CREATE UNIQUE INDEX loop_t_key ON loop_t USING kvam_key (pk);
CREATE TABLE loop_h (pk text PRIMARY KEY, item jsonb);

SELECT 'init' FROM pg_create_logical_replication_slot('kvam_cluster_x', 'test_decoding');
SELECT 'init' FROM pg_create_logical_replication_slot('loop_other', 'test_decoding');
SELECT 'created' FROM pg_replication_origin_create('loop_origin');

-- a local change, then changes under the origin (as an apply worker makes)
INSERT INTO loop_t VALUES ('local', '{}');
SELECT pg_replication_origin_session_setup('loop_origin');
INSERT INTO loop_t VALUES ('applied', '{}');
UPDATE loop_t SET item = '{"a": 1}' WHERE pk = 'applied';
DELETE FROM loop_t WHERE pk = 'local';
BEGIN;
SELECT pg_replication_origin_xact_setup('0/1', now());
INSERT INTO loop_t VALUES ('applied2', '{}');
INSERT INTO loop_h VALUES ('heap', '{}');
COMMIT;
SELECT pg_replication_origin_session_reset();
INSERT INTO loop_t VALUES ('local2', '{}');

-- the cluster slot: only the local changes (heap tables are not kvam's to filter)
SELECT data FROM pg_logical_slot_get_changes('kvam_cluster_x', NULL, NULL,
	'include-xids', '0', 'skip-empty-xacts', '1');
-- any other slot: everything
SELECT data FROM pg_logical_slot_get_changes('loop_other', NULL, NULL,
	'include-xids', '0', 'skip-empty-xacts', '1');

SELECT pg_drop_replication_slot('kvam_cluster_x');
SELECT pg_drop_replication_slot('loop_other');
SELECT pg_replication_origin_drop('loop_origin');
DROP TABLE loop_t, loop_h;
