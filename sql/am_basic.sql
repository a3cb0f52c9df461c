CREATE EXTENSION kvam;
SELECT kvam.version();
