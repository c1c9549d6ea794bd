# sql/local.mk: the schema, as numbered migrations, installed under $(pkgdatadir)/sql.
# `dmarc-reports db upgrade` applies every NNNN_*.sql file found there, in
# order, once each (sql/README). Add yours to dist_sql_DATA.
sqldir = $(pkgdatadir)/sql
dist_sql_DATA = \
	sql/0001_verdicts.sql \
	sql/0002_roles.sql \
	sql/0003_aggregate_reports.sql \
	sql/0004_ingested_reports.sql \
	sql/0005_tlsrpt_dkim.sql \
	sql/0006_overview.sql \
	sql/0007_arc.sql \
	sql/0008_failure_reports.sql \
	sql/0009_posture_checks.sql \
	sql/0010_overview_sums.sql \
	sql/0011_verdict_partitions.sql \
	sql/0012_arc_temperror.sql \
	sql/0013_milter_schema_version.sql \
	sql/0014_resend_window.sql
EXTRA_DIST += sql/README
