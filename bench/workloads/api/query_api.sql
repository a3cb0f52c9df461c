-- Query: 20 items of one partition key from a sort key on
\set p random(0, :n / 50 - 1)
\set s random(0, 30)
\set i :p * 50 + :s
SELECT kvam.query(('{"TableName":"a","KeyConditionExpression":"pk = :p AND sk >= :s","ExpressionAttributeValues":{":p":{"S":"' || bench_pk(:i) || '"},":s":{"S":"' || bench_sk(:i) || '"}},"Limit":20}')::jsonb);
