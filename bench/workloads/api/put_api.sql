-- PutItem replacing an existing item with a new ~200-byte item
\set i random(0, :n - 1)
\set v random(0, 1000000000)
SELECT kvam.put_item(('{"TableName":"ddb","Item":{"pk":{"S":"' || bench_pk(:i) || '"},"sk":{"S":"' || bench_sk(:i) || '"},' || bench_ditem(:v) || '}}')::jsonb);
