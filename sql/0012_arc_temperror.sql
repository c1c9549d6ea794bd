-- 0012_arc_temperror.sql: an ARC chain that could not be validated because a
-- key lookup failed temporarily (a DNS timeout or SERVFAIL) is kept as
-- arc_result 'temperror', apart from 'fail' (a chain that is broken), so
-- that the history does not blame a list or forwarder for this site's DNS.
-- A milter that writes 'temperror' needs this migration: upgrade the
-- database before the milter (sql/README), or its rows with that value are
-- refused as data errors. Adding an enum value rewrites no row.
ALTER TYPE arc_result ADD VALUE IF NOT EXISTS 'temperror';
