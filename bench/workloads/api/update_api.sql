-- UpdateItem: ADD 1 to a numeric attribute (a counter)
\set i random(0, :n - 1)
SELECT kvam.update_item(('{"TableName":"a","Key":' || bench_dkey(:i) || ',"UpdateExpression":"ADD score :one","ExpressionAttributeValues":{":one":{"N":"1"}}}')::jsonb);
