# reporting/local.mk: the dmarc-reports batch tool. Included by Makefile.am.
# main.cc only dispatches; each subcommand is reporting/cmd_<name>.cc. A
# subcommand kept in its own convenience library adds it with
#   DM_REPORTS_LIBS += reporting/libfoo.a
# (linked before $(DM_LIBS), so it may use lib/).
sbin_PROGRAMS += reporting/dmarc-reports
DM_REPORTS_LIBS =
reporting_dmarc_reports_SOURCES = \
	reporting/argv_secrets.cc \
	reporting/argv_secrets.hh \
	reporting/cmd_db.cc \
	reporting/cmd_db.hh \
	reporting/cmd_expire.cc \
	reporting/cmd_expire.hh \
	reporting/command_line.cc \
	reporting/command_line.hh \
	reporting/main.cc \
	reporting/subcommand.hh
reporting_dmarc_reports_CPPFLAGS = $(AM_CPPFLAGS) $(DM_ADAPTER_CFLAGS)
reporting_dmarc_reports_LDADD = $(DM_REPORTS_LIBS) $(DM_LIBS)
