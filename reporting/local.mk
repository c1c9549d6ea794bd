# reporting/local.mk: the dmarc-reports batch tool. Included by Makefile.am,
# before the fragments of its folders, each of which lists its own files:
#   reporting/aggregate/  aggregate reports (dmarc-reports send)
#   reporting/failure/    failure reports (dmarc-reports send-failures)
#   reporting/ingest/     reading incoming reports (dmarc-reports ingest)
#   reporting/check/      posture and destination checks (dmarc-reports check)
#   reporting/overview/   the overview page and summaries (overview, summary)
#   reporting/transport/  mail, HTTPS and TLS delivery shared by the senders
# This folder keeps main.cc (it only dispatches), the subcommands that own no
# folder (db, expire), the command line (every subcommand and option in
# report_options.def) and what every job shares.
sbin_PROGRAMS += reporting/dmarc-reports
reporting_dmarc_reports_SOURCES = \
	reporting/argv_secrets.cc \
	reporting/argv_secrets.hh \
	reporting/cmd_db.cc \
	reporting/cmd_db.hh \
	reporting/cmd_expire.cc \
	reporting/cmd_expire.hh \
	reporting/main.cc \
	reporting/verdict_partitions.cc \
	reporting/verdict_partitions.hh
reporting_dmarc_reports_CPPFLAGS = $(AM_CPPFLAGS) $(DM_ADAPTER_CFLAGS)

# What the jobs share: the option table and its parser, how a subcommand
# connects and fails, report names, rua URIs, the run lock and its session
# check, text arrays, the senders' work directory.
noinst_LIBRARIES += reporting/libreporting.a
reporting_libreporting_a_CPPFLAGS = $(AM_CPPFLAGS) $(DM_ADAPTER_CFLAGS)
reporting_libreporting_a_SOURCES = \
	reporting/pg_text_array.cc \
	reporting/pg_text_array.hh \
	reporting/report_naming.cc \
	reporting/report_naming.hh \
	reporting/report_options.cc \
	reporting/report_options.def \
	reporting/report_options.hh \
	reporting/rua_uri.cc \
	reporting/rua_uri.hh \
	reporting/run_lock.cc \
	reporting/run_lock.hh \
	reporting/session_check.cc \
	reporting/session_check.hh \
	reporting/subcommand.cc \
	reporting/subcommand.hh \
	reporting/work_dir.cc \
	reporting/work_dir.hh

# Each folder's code is a convenience library linked by dmarc-reports and by
# tests/unit/test-reporting, so the tests exercise the production code. A
# static library comes before the ones it uses: the senders use the checks,
# the checks the transport, and everything the shared library and lib/.
DM_REPORTS_LIBS = reporting/overview/liboverview.a reporting/failure/libfailure.a \
	reporting/aggregate/libaggregate.a reporting/ingest/libingest.a \
	reporting/check/libcheck.a reporting/transport/libtransport.a \
	reporting/libreporting.a $(LIBARCHIVE_LIBS) $(GMIME_LIBS) $(LIBCURL_LIBS)
reporting_dmarc_reports_LDADD = $(DM_REPORTS_LIBS) $(DM_LIBS)

# Flags of the libraries the ingestion parsers use (libarchive, JSON, GMime).
DM_INGEST_CFLAGS = $(DM_ADAPTER_CFLAGS) $(LIBARCHIVE_CFLAGS) $(NLOHMANN_JSON_CFLAGS) $(GMIME_CFLAGS)

# The unit tests of every folder, in one runner; each folder adds its own.
check_PROGRAMS += tests/unit/test-reporting
tests_unit_test_reporting_SOURCES = \
	tests/unit/testrunner.cc \
	tests/unit/reporting/aggregate/report_test_util.hh \
	tests/unit/reporting/test-report_naming_cc.cc \
	tests/unit/reporting/test-report_options_cc.cc \
	tests/unit/reporting/test-rua_uri_cc.cc
tests_unit_test_reporting_CPPFLAGS = $(AM_CPPFLAGS) $(DM_INGEST_CFLAGS)
tests_unit_test_reporting_CXXFLAGS = $(DM_TEST_CXXFLAGS)
tests_unit_test_reporting_LDADD = $(DM_REPORTS_LIBS) $(DM_LIBS) $(BOOST_TEST_LIBS)
TESTS += tests/unit/test-reporting

# The option lists of dmarc-reports(8) agree with the option table.
TESTS += tests/check-report-options.sh
dist_noinst_SCRIPTS += tests/check-report-options.sh
update-man-options: reporting/dmarc-reports
	{ sed '/^\.\\" BEGIN OPTIONS$$/q' $(srcdir)/man/dmarc-reports.8.in; \
	  reporting/dmarc-reports --man-options; \
	  sed -n '/^\.\\" END OPTIONS$$/,$$p' $(srcdir)/man/dmarc-reports.8.in; } > man/options.tmp && \
	mv man/options.tmp $(srcdir)/man/dmarc-reports.8.in
.PHONY: update-man-options
