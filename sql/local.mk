# sql/local.mk: the schema, as numbered migrations, installed under $(pkgdatadir)/sql.
sqldir = $(pkgdatadir)/sql
dist_sql_DATA =
