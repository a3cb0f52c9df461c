-- GetItem of one existing item through the SQL API
\set i random(0, :n - 1)
SELECT kvam.get_item(('{"TableName":"ddb","Key":' || bench_dkey(:i) || '}')::jsonb);
