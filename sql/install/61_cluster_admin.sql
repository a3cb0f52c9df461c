--
-- Cluster management (issue 6, docs/mirroring.md): forming a group of
-- three servers, status, routing, failover, rejoin and rebalance.  The
-- automatic failover (src/cluster/monitor.c) calls the same functions.
--
-- The catalog (kvam.cluster_nodes, kvam.cluster_ranges,
-- kvam.cluster_tables) and the rules every node enforces are in
-- 60_cluster.sql and src/cluster/; this file only drives them.  The
-- functions here talk to every node, the local one included, through
-- libpq (kvam.cluster_remote, src/cluster/remote.c) in autocommit
-- sessions with synchronous_commit = local: the coordinating backend never
-- writes locally, so it never holds a transaction id that a replication
-- slot being created on this node would wait for, and catalog writes never
-- wait for synchronous replication (the catalog is not replicated).
--
-- Names: subscription kvam_<dst>_from_<src>, its slot (on src)
-- kvam_cluster_<dst>_from_<src>, publication kvam_cluster on every node.
--

CREATE FUNCTION kvam.cluster_remote(conninfo text, VARIADIC sql text[]) RETURNS text
	AS 'MODULE_PATHNAME', 'kvam_cluster_remote' LANGUAGE C STRICT VOLATILE;
COMMENT ON FUNCTION kvam.cluster_remote(text, text[]) IS
	'runs each statement at another node (one connection, autocommit) and returns the first value of the last result';
CREATE FUNCTION kvam.cluster_remote_rows(conninfo text, sql text) RETURNS SETOF text
	AS 'MODULE_PATHNAME', 'kvam_cluster_remote_rows' LANGUAGE C STRICT VOLATILE;
CREATE FUNCTION kvam.execute_routed(operation text, request jsonb) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'kvam_execute_routed' LANGUAGE C STRICT VOLATILE;
COMMENT ON FUNCTION kvam.execute_routed(text, jsonb) IS
	'kvam.execute here, or at the leader named by a KV001 redirect';
REVOKE ALL ON FUNCTION kvam.cluster_remote(text, text[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION kvam.cluster_remote_rows(text, text) FROM PUBLIC;

-- schema-qualified, quoted name of a relation (the same on every node)
CREATE FUNCTION kvam._cluster_relname(rel regclass) RETURNS text
	LANGUAGE sql STABLE STRICT AS $$
	SELECT format('%I.%I', n.nspname, c.relname)
	FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = rel
$$;

-- the partition key column of a kvam table: the first column of its
-- kvam_key index
CREATE FUNCTION kvam._cluster_pk_column(rel regclass) RETURNS name
	LANGUAGE sql STABLE STRICT AS $$
	SELECT a.attname
	FROM pg_index i
	JOIN pg_class ic ON ic.oid = i.indexrelid
	JOIN pg_am am ON am.oid = ic.relam AND am.amname = 'kvam_key'
	JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
	WHERE i.indrelid = rel
	LIMIT 1
$$;

-- a WHERE condition selecting the rows of 'ranges' in table rel
CREATE FUNCTION kvam._cluster_range_cond(rel regclass, ranges int[]) RETURNS text
	LANGUAGE plpgsql STABLE STRICT AS $$
DECLARE
	pk name := kvam._cluster_pk_column(rel);
BEGIN
	IF pk IS NULL THEN
		RAISE EXCEPTION 'table % has no kvam_key index', rel
			USING ERRCODE = 'object_not_in_prerequisite_state';
	END IF;
	RETURN format('kvam.cluster_range_of(%I) = ANY (%L::int[])', pk, ranges);
END
$$;

CREATE FUNCTION kvam._cluster_self() RETURNS kvam.cluster_nodes
	LANGUAGE sql STABLE AS $$
	SELECT * FROM kvam.cluster_nodes WHERE is_self
$$;

CREATE FUNCTION kvam._cluster_node(node text) RETURNS kvam.cluster_nodes
	LANGUAGE plpgsql STABLE STRICT AS $$
DECLARE
	n kvam.cluster_nodes;
BEGIN
	SELECT * INTO n FROM kvam.cluster_nodes WHERE name = node;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'unknown cluster node "%"', node
			USING ERRCODE = 'undefined_object';
	END IF;
	RETURN n;
END
$$;

-- runs statements at a node as the management code does: autocommit,
-- synchronous_commit = local
CREATE FUNCTION kvam._cluster_run(conninfo text, VARIADIC sql text[]) RETURNS text
	LANGUAGE sql AS $$
	SELECT kvam.cluster_remote(conninfo, VARIADIC ARRAY['SET synchronous_commit = local'] || sql)
$$;

-- synchronous_standby_names of a node: any one of the subscriptions of
-- the other nodes from it (W = 2 of N = 3)
CREATE FUNCTION kvam._cluster_sync_names(node text) RETURNS text
	LANGUAGE sql STABLE STRICT AS $$
	SELECT format('ANY 1 (%s)', string_agg(format('kvam_%s_from_%s', name, node), ', ' ORDER BY node_id))
	FROM kvam.cluster_nodes WHERE name <> node
$$;

CREATE FUNCTION kvam._cluster_set_sync_names(conninfo text, names text) RETURNS void
	LANGUAGE sql AS $$
	SELECT kvam.cluster_remote(conninfo,
		format('ALTER SYSTEM SET synchronous_standby_names = %L', names),
		'SELECT pg_reload_conf()')
$$;

-- polls sql (a boolean query) at a node every 50 ms until it is true
CREATE FUNCTION kvam._cluster_wait(conninfo text, sql text, what text,
								   timeout interval DEFAULT '60 s') RETURNS void
	LANGUAGE plpgsql AS $$
DECLARE
	deadline timestamptz := clock_timestamp() + timeout;
BEGIN
	LOOP
		EXIT WHEN kvam.cluster_remote(conninfo, sql)::bool;
		IF clock_timestamp() > deadline THEN
			RAISE EXCEPTION 'timeout waiting for %', what
				USING ERRCODE = 'lock_not_available';
		END IF;
		PERFORM pg_sleep(0.05);
	END LOOP;
END
$$;

-- the local catalog as one jsonb value {nodes, tables, ranges}
CREATE FUNCTION kvam._cluster_catalog() RETURNS jsonb
	LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object(
		'nodes', (SELECT coalesce(jsonb_agg(to_jsonb(n) ORDER BY node_id), '[]') FROM kvam.cluster_nodes n),
		'tables', (SELECT coalesce(jsonb_agg(kvam._cluster_relname(relid)), '[]') FROM kvam.cluster_tables),
		'ranges', (SELECT coalesce(jsonb_agg(to_jsonb(r) ORDER BY range_id), '[]') FROM kvam.cluster_ranges r))
$$;

-- the statements replacing a node's catalog by 'cat' (as from
-- kvam._cluster_catalog()), with is_self set for for_node
CREATE FUNCTION kvam._cluster_catalog_sql(for_node text, cat jsonb) RETURNS text
	LANGUAGE sql IMMUTABLE AS $$
	SELECT format($f$
		BEGIN;
		DELETE FROM kvam.cluster_ranges;
		DELETE FROM kvam.cluster_tables;
		DELETE FROM kvam.cluster_nodes;
		INSERT INTO kvam.cluster_nodes (node_id, name, conninfo, is_self, state)
			SELECT node_id, name, conninfo, name = %1$L, state
			FROM jsonb_populate_recordset(NULL::kvam.cluster_nodes, %2$L::jsonb -> 'nodes');
		INSERT INTO kvam.cluster_tables
			SELECT t::regclass FROM jsonb_array_elements_text(%2$L::jsonb -> 'tables') t;
		INSERT INTO kvam.cluster_ranges (range_id, leader, epoch)
			SELECT range_id, leader, epoch
			FROM jsonb_populate_recordset(NULL::kvam.cluster_ranges, %2$L::jsonb -> 'ranges');
		COMMIT;$f$, for_node, cat)
$$;

-- rows of 'ranges' of every cluster table, copied from the node at
-- conninfo into this one after deleting the local ones: under
-- kvam.cluster_bypass and with a replication origin session, so the rules
-- let every range be written and the cluster slots do not forward it.
CREATE FUNCTION kvam._cluster_resync(src_conninfo text, ranges int[]) RETURNS bigint
	LANGUAGE plpgsql AS $$
DECLARE
	t regclass;
	cond text;
	n bigint;
	total bigint := 0;
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_replication_origin WHERE roname = 'kvam_cluster_resync') THEN
		PERFORM pg_replication_origin_create('kvam_cluster_resync');
	END IF;
	PERFORM set_config('kvam.cluster_bypass', 'on', true);
	IF pg_replication_origin_session_is_setup() THEN
		PERFORM pg_replication_origin_session_reset();
	END IF;
	PERFORM pg_replication_origin_session_setup('kvam_cluster_resync');
	FOR t IN SELECT relid FROM kvam.cluster_tables ORDER BY relid::oid LOOP
		cond := kvam._cluster_range_cond(t, ranges);
		EXECUTE format('DELETE FROM %s WHERE %s', kvam._cluster_relname(t), cond);
		EXECUTE format('INSERT INTO %1$s SELECT (x).* FROM (SELECT r::%1$s AS x FROM kvam.cluster_remote_rows($1, $2) r OFFSET 0) s',
					   kvam._cluster_relname(t))
			USING src_conninfo,
				  format('SELECT x::text FROM %s x WHERE %s', kvam._cluster_relname(t), cond);
		GET DIAGNOSTICS n = ROW_COUNT;
		total := total + n;
	END LOOP;
	PERFORM pg_replication_origin_session_reset();
	RETURN total;
END
$$;
REVOKE ALL ON FUNCTION kvam._cluster_resync(text, int[]) FROM PUBLIC;

--
-- Forming the group
--

CREATE FUNCTION kvam.cluster_add_node(name text, conninfo text) RETURNS int
	LANGUAGE plpgsql AS $$
DECLARE
	id int;
BEGIN
	IF kvam._cluster_self() IS NOT NULL THEN
		RAISE EXCEPTION 'the cluster is formed already: nodes are added before kvam.cluster_create()'
			USING ERRCODE = 'object_not_in_prerequisite_state';
	END IF;
	SELECT coalesce(max(node_id), 0) + 1 INTO id FROM kvam.cluster_nodes;
	INSERT INTO kvam.cluster_nodes (node_id, name, conninfo) VALUES (id, name, conninfo);
	RETURN id;
END
$$;

CREATE FUNCTION kvam.cluster_add_table(rel regclass) RETURNS void
	LANGUAGE plpgsql AS $$
DECLARE
	me kvam.cluster_nodes := kvam._cluster_self();
	n kvam.cluster_nodes;
	p kvam.cluster_nodes;
	relname text := kvam._cluster_relname(rel);
BEGIN
	IF kvam._cluster_pk_column(rel) IS NULL THEN
		RAISE EXCEPTION 'table % has no kvam_key index', rel
			USING ERRCODE = 'object_not_in_prerequisite_state';
	END IF;
	IF me IS NULL THEN
		-- before kvam.cluster_create(): remembered here, sent with the catalog
		INSERT INTO kvam.cluster_tables VALUES (rel) ON CONFLICT DO NOTHING;
		RETURN;
	END IF;
	FOR n IN SELECT * FROM kvam.cluster_nodes ORDER BY node_id LOOP
		PERFORM kvam._cluster_run(n.conninfo,
			format('INSERT INTO kvam.cluster_tables VALUES (%L::regclass) ON CONFLICT DO NOTHING', relname),
			format('ALTER PUBLICATION kvam_cluster ADD TABLE %s', relname));
	END LOOP;
	FOR n IN SELECT * FROM kvam.cluster_nodes ORDER BY node_id LOOP
		FOR p IN SELECT * FROM kvam.cluster_nodes WHERE node_id <> n.node_id ORDER BY node_id LOOP
			PERFORM kvam._cluster_run(n.conninfo,
				format('ALTER SUBSCRIPTION kvam_%s_from_%s REFRESH PUBLICATION WITH (copy_data = false)',
					   n.name, p.name));
		END LOOP;
	END LOOP;
END
$$;

CREATE FUNCTION kvam.cluster_create(self_name text, nranges int DEFAULT 12) RETURNS text
	LANGUAGE plpgsql AS $$
DECLARE
	n kvam.cluster_nodes;
	p kvam.cluster_nodes;
	tabs text[];
	seed text;
	has_rows bool;
	ids int[];
	cat jsonb;
	wait_sync text := $w$SELECT count(*) = 0 FROM pg_subscription_rel sr
		JOIN pg_subscription s ON s.oid = sr.srsubid
		WHERE s.subname LIKE 'kvam\_%' AND sr.srsubstate <> 'r'$w$;
BEGIN
	IF kvam._cluster_self() IS NOT NULL THEN
		RAISE EXCEPTION 'the cluster is formed already'
			USING ERRCODE = 'object_not_in_prerequisite_state';
	END IF;
	PERFORM kvam._cluster_node(self_name);
	IF (SELECT count(*) FROM kvam.cluster_nodes) < 2 THEN
		RAISE EXCEPTION 'a cluster needs at least two nodes (three for W = 2 of N = 3)'
			USING ERRCODE = 'object_not_in_prerequisite_state';
	END IF;
	IF nranges < 1 OR nranges > 4096 THEN
		RAISE EXCEPTION 'nranges must be between 1 and 4096'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	SELECT coalesce(array_agg(kvam._cluster_relname(relid)), '{}') INTO tabs FROM kvam.cluster_tables;

	-- which node holds data already (at most one: the seed of the initial sync)
	FOR n IN SELECT * FROM kvam.cluster_nodes ORDER BY node_id LOOP
		SELECT bool_or(kvam.cluster_remote(n.conninfo,
				format('SELECT EXISTS (SELECT 1 FROM %s)', t))::bool)
			INTO has_rows FROM unnest(tabs) t;
		IF has_rows THEN
			IF seed IS NOT NULL THEN
				RAISE EXCEPTION 'nodes "%" and "%" both hold rows of the cluster tables', seed, n.name
					USING ERRCODE = 'object_not_in_prerequisite_state',
						  HINT = 'Only one node may hold data when the cluster is formed; empty the others.';
			END IF;
			seed := n.name;
		END IF;
	END LOOP;

	-- the catalog everywhere: every range without a leader until the
	-- initial sync is done (no node accepts writes meanwhile)
	cat := jsonb_build_object(
		'nodes', (SELECT jsonb_agg(to_jsonb(x) ORDER BY node_id) FROM kvam.cluster_nodes x),
		'tables', to_jsonb(tabs),
		'ranges', (SELECT jsonb_agg(jsonb_build_object('range_id', g, 'leader', NULL, 'epoch', 1) ORDER BY g)
				   FROM generate_series(0, nranges - 1) g));
	FOR n IN SELECT * FROM kvam.cluster_nodes ORDER BY node_id LOOP
		PERFORM kvam._cluster_run(n.conninfo, kvam._cluster_catalog_sql(n.name, cat));
	END LOOP;

	-- publications (no TRUNCATE: it is not range-checked), then
	-- subscriptions among all nodes (copy only from the seed)
	FOR n IN SELECT * FROM kvam.cluster_nodes ORDER BY node_id LOOP
		PERFORM kvam._cluster_run(n.conninfo,
			'CREATE PUBLICATION kvam_cluster' ||
			CASE WHEN cardinality(tabs) > 0 THEN ' FOR TABLE ' || array_to_string(tabs, ', ') ELSE '' END ||
			$q$ WITH (publish = 'insert, update, delete')$q$);
	END LOOP;
	FOR n IN SELECT * FROM kvam.cluster_nodes ORDER BY node_id LOOP
		FOR p IN SELECT * FROM kvam.cluster_nodes WHERE node_id <> n.node_id ORDER BY node_id LOOP
			PERFORM kvam._cluster_run(n.conninfo, kvam._cluster_subscription_sql(n.name, p, coalesce(p.name = seed, false), true));
		END LOOP;
	END LOOP;
	FOR n IN SELECT * FROM kvam.cluster_nodes ORDER BY node_id LOOP
		PERFORM kvam._cluster_wait(n.conninfo, wait_sync,
			format('the initial sync of node "%s"', n.name), '10 min');
	END LOOP;

	-- W = 2 of N = 3
	FOR n IN SELECT * FROM kvam.cluster_nodes ORDER BY node_id LOOP
		PERFORM kvam._cluster_set_sync_names(n.conninfo, kvam._cluster_sync_names(n.name));
	END LOOP;

	-- leaders round-robin
	SELECT array_agg(node_id ORDER BY node_id) INTO ids FROM kvam.cluster_nodes;
	FOR n IN SELECT * FROM kvam.cluster_nodes ORDER BY node_id LOOP
		PERFORM kvam._cluster_run(n.conninfo,
			format('UPDATE kvam.cluster_ranges SET leader = (%L::int[])[range_id %% %s + 1]',
				   ids, cardinality(ids)));
	END LOOP;
	RETURN format('cluster of %s nodes, %s ranges, initial data from %s',
				  cardinality(ids), nranges, coalesce(seed, 'none'));
END
$$;

-- CREATE SUBSCRIPTION of node dst from node src
CREATE FUNCTION kvam._cluster_subscription_sql(dst text, src kvam.cluster_nodes,
											   copy_data bool, create_slot bool,
											   enabled bool DEFAULT true) RETURNS text
	LANGUAGE sql IMMUTABLE AS $$
	SELECT format('CREATE SUBSCRIPTION kvam_%1$s_from_%2$s CONNECTION %3$L PUBLICATION kvam_cluster '
				  'WITH (slot_name = ''kvam_cluster_%1$s_from_%2$s'', copy_data = %4$s, '
				  'create_slot = %5$s, enabled = %6$s, synchronous_commit = local)',
				  dst, src.name, src.conninfo, copy_data::text, create_slot::text, enabled::text)
$$;

--
-- State
--

-- Per range: its leader, epoch, this node's role, and how stale this
-- node's copy of the range may be (docs/mirroring.md "Reads").
CREATE FUNCTION kvam.cluster_status()
	RETURNS TABLE (range_id int, leader text, epoch bigint, role text,
				   leader_state text, staleness interval)
	LANGUAGE sql STABLE AS $$
	SELECT r.range_id, l.name, r.epoch,
		   CASE WHEN r.leader IS NULL THEN 'moving'
				WHEN l.is_self THEN 'leader' ELSE 'follower' END,
		   l.state,
		   CASE WHEN l.is_self THEN interval '0'
				ELSE (SELECT p.staleness FROM kvam.cluster_peers() p WHERE p.node = l.name) END
	FROM kvam.cluster_ranges r
	LEFT JOIN kvam.cluster_nodes l ON l.node_id = r.leader
	ORDER BY r.range_id
$$;

-- Per other node: its state, the ranges it leads, and this node's
-- subscription from it: whether it runs, the positions received and
-- flushed (reported to the peer), and the staleness bound of what this
-- node has of the peer's ranges (NULL: unbounded, the subscription does
-- not run).
CREATE FUNCTION kvam.cluster_peers()
	RETURNS TABLE (node text, node_id int, state text, leads int[],
				   subscription text, enabled bool, apply_pid int,
				   received_lsn pg_lsn, flushed_lsn pg_lsn,
				   last_message timestamptz, staleness interval)
	LANGUAGE sql STABLE AS $$
	SELECT n.name, n.node_id, n.state,
		   ARRAY(SELECT range_id FROM kvam.cluster_ranges WHERE leader = n.node_id ORDER BY 1),
		   s.subname, s.subenabled, st.pid, st.received_lsn, st.latest_end_lsn,
		   st.last_msg_receipt_time,
		   CASE WHEN st.pid IS NULL OR st.last_msg_send_time IS NULL THEN NULL
				WHEN st.received_lsn <= st.latest_end_lsn THEN now() - st.last_msg_send_time
				ELSE now() - st.latest_end_time END
	FROM kvam.cluster_nodes n
	CROSS JOIN kvam._cluster_self() me
	LEFT JOIN pg_subscription s
		ON s.subname = format('kvam_%s_from_%s', me.name, n.name)
		AND s.subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())
	LEFT JOIN pg_stat_subscription st ON st.subid = s.oid AND st.relid IS NULL
	WHERE NOT n.is_self
	ORDER BY n.node_id
$$;

--
-- Failover
--

-- the flushed progress (remote LSN) of node dst's subscription from src
CREATE FUNCTION kvam._cluster_progress_sql(dst text, src text) RETURNS text
	LANGUAGE sql IMMUTABLE AS $$
	SELECT format($q$SELECT coalesce(pg_replication_origin_progress('pg_' || oid, true), '0/0')
		FROM pg_subscription WHERE subname = 'kvam_%s_from_%s'$q$, dst, src)
$$;

-- Moves the ranges of node 'dead' to the survivor that has the most of
-- its stream, under a new epoch; fences 'dead'.  Run at a survivor that
-- reaches every other survivor.  Returns the new leader's name.
CREATE FUNCTION kvam.cluster_failover(dead text) RETURNS text
	LANGUAGE plpgsql AS $$
DECLARE
	d kvam.cluster_nodes := kvam._cluster_node(dead);
	me kvam.cluster_nodes := kvam._cluster_self();
	s kvam.cluster_nodes;
	best kvam.cluster_nodes;
	best_lsn pg_lsn;
	lsn pg_lsn;
	progress jsonb := '{}';
	ranges int[];
BEGIN
	IF me IS NULL THEN
		RAISE EXCEPTION 'this node is not in a cluster'
			USING ERRCODE = 'object_not_in_prerequisite_state';
	END IF;
	IF d.is_self THEN
		RAISE EXCEPTION 'a node cannot fail itself over'
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Run kvam.cluster_failover() at a survivor.';
	END IF;
	IF d.state = 'fenced' AND NOT EXISTS (SELECT 1 FROM kvam.cluster_ranges WHERE leader = d.node_id) THEN
		RETURN NULL;			-- done already
	END IF;

	-- 1. stop the dead node's stream at every survivor, and fence it: from
	-- now on no survivor applies anything from it (rule KV002)
	FOR s IN SELECT * FROM kvam.cluster_nodes WHERE node_id <> d.node_id AND state = 'active' ORDER BY node_id LOOP
		PERFORM kvam._cluster_run(s.conninfo,
			format('ALTER SUBSCRIPTION kvam_%s_from_%s DISABLE', s.name, d.name),
			format($q$BEGIN;
				UPDATE kvam.cluster_nodes SET state = 'fenced' WHERE node_id = %1$s;
				UPDATE kvam.cluster_ranges SET leader = NULL WHERE leader = %1$s;
				COMMIT$q$, d.node_id));
	END LOOP;
	FOR s IN SELECT * FROM kvam.cluster_nodes WHERE node_id <> d.node_id AND state = 'active' ORDER BY node_id LOOP
		PERFORM kvam._cluster_wait(s.conninfo,
			format($q$SELECT NOT EXISTS (SELECT 1 FROM pg_stat_subscription
				WHERE subname = 'kvam_%s_from_%s' AND pid IS NOT NULL)$q$, s.name, d.name),
			format('the apply workers of node "%s" from node "%s" to stop', s.name, d.name));
		lsn := kvam.cluster_remote(s.conninfo, kvam._cluster_progress_sql(s.name, d.name))::pg_lsn;
		progress := progress || jsonb_build_object(s.name, lsn::text);
		IF best_lsn IS NULL OR lsn > best_lsn THEN
			best := s;
			best_lsn := lsn;
		END IF;
	END LOOP;
	IF best IS NULL THEN
		RAISE EXCEPTION 'no active survivor' USING ERRCODE = 'object_not_in_prerequisite_state';
	END IF;
	SELECT array_agg(range_id ORDER BY range_id) INTO ranges
	FROM kvam.cluster_ranges WHERE leader = d.node_id OR leader IS NULL;

	-- 2. a survivor that has less of the dead node's stream gets those
	-- ranges from the new leader (no one writes them meanwhile)
	FOR s IN SELECT * FROM kvam.cluster_nodes WHERE node_id NOT IN (d.node_id, best.node_id) AND state = 'active' LOOP
		IF (progress ->> s.name)::pg_lsn < best_lsn THEN
			PERFORM kvam._cluster_run(s.conninfo,
				format('SELECT kvam._cluster_resync(%L, %L)', best.conninfo, ranges));
		END IF;
	END LOOP;

	-- 3. the new leader, under a new epoch
	FOR s IN SELECT * FROM kvam.cluster_nodes WHERE node_id <> d.node_id AND state = 'active' ORDER BY node_id LOOP
		PERFORM kvam._cluster_run(s.conninfo,
			format('UPDATE kvam.cluster_ranges SET leader = %s, epoch = epoch + 1 WHERE range_id = ANY (%L)',
				   best.node_id, ranges));
	END LOOP;
	RAISE NOTICE 'ranges % of node "%" now led by node "%" (stream progress %)',
		ranges, d.name, best.name, progress;
	RETURN best.name;
END
$$;

--
-- Rejoin
--

-- drops subscription 'sub' at a node, and its slot at the publisher if
-- the publisher can be reached
CREATE FUNCTION kvam._cluster_drop_subscription(conninfo text, sub text) RETURNS void
	LANGUAGE plpgsql AS $$
BEGIN
	IF kvam.cluster_remote(conninfo,
		format('SELECT count(*) FROM pg_subscription WHERE subname = %L', sub))::int > 0 THEN
		PERFORM kvam._cluster_run(conninfo,
			format('ALTER SUBSCRIPTION %I DISABLE', sub),
			format('ALTER SUBSCRIPTION %I SET (slot_name = NONE)', sub),
			format('DROP SUBSCRIPTION %I', sub));
	END IF;
END
$$;

-- drops replication slot 'slot' at a node once no walsender uses it
CREATE FUNCTION kvam._cluster_drop_slot(conninfo text, slot text) RETURNS void
	LANGUAGE plpgsql AS $$
BEGIN
	PERFORM kvam._cluster_wait(conninfo,
		format('SELECT NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = %L AND active)', slot),
		format('slot %s to be released', slot));
	PERFORM kvam._cluster_run(conninfo,
		format('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = %L', slot));
END
$$;

-- Brings a node back (after a failover fenced it, or to rebuild it):
-- it discards its copy of the cluster tables, takes the catalog of the
-- others, copies each peer's ranges from that peer and subscribes to it;
-- the peers subscribe to it again.  It leads no range afterwards (see
-- kvam.cluster_rebalance()).  Run anywhere the other nodes are reachable.
CREATE FUNCTION kvam.cluster_rejoin(node text) RETURNS bigint
	LANGUAGE plpgsql AS $$
DECLARE
	r kvam.cluster_nodes := kvam._cluster_node(node);
	p kvam.cluster_nodes;
	ref kvam.cluster_nodes;
	cat jsonb;
	copied bigint := 0;
	led int[];
BEGIN
	SELECT * INTO ref FROM kvam.cluster_nodes WHERE node_id <> r.node_id ORDER BY node_id LIMIT 1;
	-- 1. no stream between the node and its peers any more, either way
	FOR p IN SELECT * FROM kvam.cluster_nodes WHERE node_id <> r.node_id ORDER BY node_id LOOP
		PERFORM kvam._cluster_drop_subscription(p.conninfo, format('kvam_%s_from_%s', p.name, r.name));
		PERFORM kvam._cluster_drop_subscription(r.conninfo, format('kvam_%s_from_%s', r.name, p.name));
		PERFORM kvam._cluster_drop_slot(p.conninfo, format('kvam_cluster_%s_from_%s', r.name, p.name));
		PERFORM kvam._cluster_drop_slot(r.conninfo, format('kvam_cluster_%s_from_%s', p.name, r.name));
	END LOOP;

	-- 2. state joining everywhere; the node takes the peers' catalog
	FOR p IN SELECT * FROM kvam.cluster_nodes WHERE node_id <> r.node_id ORDER BY node_id LOOP
		PERFORM kvam._cluster_run(p.conninfo,
			format($q$UPDATE kvam.cluster_nodes SET state = 'joining' WHERE node_id = %s$q$, r.node_id));
	END LOOP;
	cat := kvam.cluster_remote(ref.conninfo, 'SELECT kvam._cluster_catalog()')::jsonb;
	PERFORM kvam._cluster_run(r.conninfo, kvam._cluster_catalog_sql(r.name, cat));

	-- 3. what it had is discarded: it may hold writes that were never
	-- acknowledged (committed locally, never replicated)
	PERFORM kvam._cluster_run(r.conninfo, format('TRUNCATE %s', string_agg(t, ', ')))
	FROM jsonb_array_elements_text(cat -> 'tables') t;

	-- 4. from each peer: slot first, then a copy of the ranges it leads,
	-- then the stream from the slot (the overlap converges: rule 4)
	FOR p IN SELECT * FROM kvam.cluster_nodes WHERE node_id <> r.node_id ORDER BY node_id LOOP
		PERFORM kvam._cluster_run(p.conninfo,
			format($q$SELECT pg_create_logical_replication_slot('kvam_cluster_%s_from_%s', 'pgoutput')$q$,
				   r.name, p.name));
		PERFORM kvam._cluster_run(r.conninfo, kvam._cluster_subscription_sql(r.name, p, false, false, false));
		SELECT array_agg((x ->> 'range_id')::int) INTO led
		FROM jsonb_array_elements(cat -> 'ranges') x WHERE (x ->> 'leader')::int = p.node_id;
		IF led IS NOT NULL THEN
			copied := copied + kvam._cluster_run(r.conninfo,
				format('SELECT kvam._cluster_resync(%L, %L)', p.conninfo, led))::bigint;
		END IF;
		PERFORM kvam._cluster_run(r.conninfo,
			format('ALTER SUBSCRIPTION kvam_%s_from_%s ENABLE', r.name, p.name));
	END LOOP;

	-- 5. the peers subscribe to it again; W = 2 of N = 3 at the node
	FOR p IN SELECT * FROM kvam.cluster_nodes WHERE node_id <> r.node_id ORDER BY node_id LOOP
		PERFORM kvam._cluster_run(p.conninfo, kvam._cluster_subscription_sql(p.name, r, false, true));
	END LOOP;
	PERFORM kvam._cluster_set_sync_names(r.conninfo, kvam._cluster_sync_names(r.name));
	FOR p IN SELECT * FROM kvam.cluster_nodes ORDER BY node_id LOOP
		PERFORM kvam._cluster_run(p.conninfo,
			format($q$UPDATE kvam.cluster_nodes SET state = 'active' WHERE node_id = %s$q$, r.node_id));
	END LOOP;
	RETURN copied;
END
$$;

--
-- Rebalance
--

-- Moves ranges so that range r is led by the (r mod n)-th active node,
-- with a clean handoff per (old leader, new leader) pair: the ranges get
-- no leader everywhere; the old leader waits for its transactions that
-- began before that (they may have written the ranges), marks its WAL
-- position with a commit, and waits until the new leader's subscription
-- from it has confirmed (flushed) that position; then the new leader,
-- epoch + 1.  Returns the number of ranges moved.
CREATE FUNCTION kvam.cluster_rebalance() RETURNS int
	LANGUAGE plpgsql AS $$
DECLARE
	ids int[];
	mv record;
	o kvam.cluster_nodes;
	nw kvam.cluster_nodes;
	n kvam.cluster_nodes;
	t_stop text;
	lsn text;
	moved int := 0;
BEGIN
	IF kvam._cluster_self() IS NULL THEN
		RAISE EXCEPTION 'this node is not in a cluster'
			USING ERRCODE = 'object_not_in_prerequisite_state';
	END IF;
	IF EXISTS (SELECT 1 FROM kvam.cluster_nodes WHERE state <> 'active') THEN
		RAISE EXCEPTION 'every node must be active to rebalance'
			USING ERRCODE = 'object_not_in_prerequisite_state';
	END IF;
	SELECT array_agg(node_id ORDER BY node_id) INTO ids FROM kvam.cluster_nodes;
	FOR mv IN
		SELECT r.leader AS old_id, ids[r.range_id % cardinality(ids) + 1] AS new_id,
			   array_agg(r.range_id ORDER BY r.range_id) AS ranges
		FROM kvam.cluster_ranges r
		WHERE r.leader IS DISTINCT FROM ids[r.range_id % cardinality(ids) + 1]
		GROUP BY 1, 2 ORDER BY 1 NULLS FIRST, 2
	LOOP
		SELECT * INTO nw FROM kvam.cluster_nodes WHERE node_id = mv.new_id;
		SELECT * INTO o FROM kvam.cluster_nodes WHERE node_id = mv.old_id;
		-- 1. no leader: the old leader first
		FOR n IN SELECT * FROM kvam.cluster_nodes ORDER BY node_id = mv.old_id DESC, node_id LOOP
			PERFORM kvam._cluster_run(n.conninfo,
				format('UPDATE kvam.cluster_ranges SET leader = NULL WHERE range_id = ANY (%L)', mv.ranges));
		END LOOP;
		IF o.node_id IS NOT NULL THEN
			-- 2. the old leader's writes that passed the check have committed
			t_stop := kvam.cluster_remote(o.conninfo, 'SELECT clock_timestamp()::text');
			PERFORM kvam._cluster_wait(o.conninfo,
				format($q$SELECT NOT EXISTS (SELECT 1 FROM pg_stat_activity
					WHERE backend_xid IS NOT NULL AND xact_start < %L::timestamptz
					AND backend_type = 'client backend')$q$, t_stop),
				format('the transactions of node "%s" that may write ranges %s', o.name, mv.ranges));
			-- 3. ... and the new leader has them
			lsn := kvam.cluster_remote(o.conninfo,
				'SELECT pg_logical_emit_message(true, ''kvam_cluster'', ''handoff'')::text');
			PERFORM kvam._cluster_wait(o.conninfo,
				format($q$SELECT coalesce(bool_and(confirmed_flush_lsn >= %L::pg_lsn), false)
					FROM pg_replication_slots WHERE slot_name = 'kvam_cluster_%s_from_%s'$q$,
					   lsn, nw.name, o.name),
				format('node "%s" to confirm the stream of node "%s"', nw.name, o.name));
		END IF;
		-- 4. the new leader, under a new epoch
		FOR n IN SELECT * FROM kvam.cluster_nodes ORDER BY node_id LOOP
			PERFORM kvam._cluster_run(n.conninfo,
				format('UPDATE kvam.cluster_ranges SET leader = %s, epoch = epoch + 1 WHERE range_id = ANY (%L)',
					   mv.new_id, mv.ranges));
		END LOOP;
		moved := moved + cardinality(mv.ranges);
	END LOOP;
	RETURN moved;
END
$$;

REVOKE ALL ON FUNCTION kvam.cluster_add_node(text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION kvam.cluster_add_table(regclass) FROM PUBLIC;
REVOKE ALL ON FUNCTION kvam.cluster_create(text, int) FROM PUBLIC;
REVOKE ALL ON FUNCTION kvam.cluster_failover(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION kvam.cluster_rejoin(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION kvam.cluster_rebalance() FROM PUBLIC;
