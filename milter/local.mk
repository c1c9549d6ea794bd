# milter/local.mk: the dmarc-milter daemon. Included by Makefile.am.
# Everything but main.cc goes into a convenience library, so that the unit
# test runner links exactly the objects the daemon runs.
noinst_LIBRARIES += milter/libdmarcmilter.a
milter_libdmarcmilter_a_SOURCES = \
	milter/address_source.cc \
	milter/address_source.hh \
	milter/callbacks.cc \
	milter/callbacks.hh \
	milter/config.cc \
	milter/config.hh \
	milter/config_keys.def \
	milter/config_store.cc \
	milter/config_store.hh \
	milter/daemon.cc \
	milter/daemon.hh \
	milter/dmarc_checker.cc \
	milter/dmarc_checker.hh \
	milter/instance_lock.cc \
	milter/instance_lock.hh \
	milter/logger.cc \
	milter/logger.hh \
	milter/message_check.hh \
	milter/metrics_endpoint.cc \
	milter/metrics_endpoint.hh \
	milter/milter_metrics.cc \
	milter/milter_metrics.hh \
	milter/milter_actions.cc \
	milter/milter_actions.hh \
	milter/offline.cc \
	milter/offline.hh \
	milter/runtime.cc \
	milter/runtime.hh \
	milter/session.cc \
	milter/session.hh
milter_libdmarcmilter_a_CPPFLAGS = $(AM_CPPFLAGS) $(DM_ADAPTER_CFLAGS)
# libmicrohttpd only here: dmarc-reports serves no HTTP.
DM_MILTER_LIBS = milter/libdmarcmilter.a $(DM_LIBS) $(LIBMILTER_LIBS) $(LIBMICROHTTPD_LIBS)

sbin_PROGRAMS += milter/dmarc-milter
milter_dmarc_milter_SOURCES = milter/main.cc
milter_dmarc_milter_CPPFLAGS = $(AM_CPPFLAGS) $(DM_ADAPTER_CFLAGS)
milter_dmarc_milter_LDADD = $(DM_MILTER_LIBS)

check_PROGRAMS += tests/unit/test-milter
tests_unit_test_milter_SOURCES = \
	tests/unit/testrunner.cc \
	tests/unit/core/test-address_list_cc.cc \
	tests/unit/milter/test-config_cc.cc \
	tests/unit/core/test-local_policy_cc.cc \
	tests/unit/milter/test-logger_cc.cc \
	tests/unit/adapters/test-metrics_listener_cc.cc \
	tests/unit/milter/test-milter_metrics_cc.cc \
	tests/unit/milter/test-session_cc.cc
tests_unit_test_milter_CPPFLAGS = $(AM_CPPFLAGS) $(DM_ADAPTER_CFLAGS)
tests_unit_test_milter_CXXFLAGS = $(DM_TEST_CXXFLAGS)
tests_unit_test_milter_LDADD = $(DM_MILTER_LIBS) $(BOOST_TEST_LIBS)
TESTS += tests/unit/test-milter

# Test tools for the end-to-end tests (tests/integration/test_milter*.py).
check_PROGRAMS += tests/tools/dkim-sign
tests_tools_dkim_sign_SOURCES = tests/tools/dkim-sign.cc
tests_tools_dkim_sign_CPPFLAGS = $(AM_CPPFLAGS) $(DM_ADAPTER_CFLAGS)
tests_tools_dkim_sign_LDADD = $(DM_LIBS)

# The man page key list and option list agree with the key table and --help.
TESTS += tests/check-config-keys.sh
dist_noinst_SCRIPTS += tests/check-config-keys.sh
update-man-keys: milter/dmarc-milter
	{ sed '/^\.\\" BEGIN KEYS$$/q' $(srcdir)/man/dmarc-milter.conf.5.in; \
	  milter/dmarc-milter --man-keys; \
	  sed -n '/^\.\\" END KEYS$$/,$$p' $(srcdir)/man/dmarc-milter.conf.5.in; } > man/keys.tmp && \
	mv man/keys.tmp $(srcdir)/man/dmarc-milter.conf.5.in
.PHONY: update-man-keys

# The milter's integration and end-to-end tests (run by tests/integration/run.py)
# and its throughput benchmark (run by hand).
dist_noinst_DATA += tests/integration/milter_support.py tests/integration/test_milter_postfix.py \
	tests/integration/test_milter_arc.py \
	tests/integration/test_milter_protocol.py tests/integration/test_milter_lifecycle.py \
	tests/integration/test_milter_sendmail.py tests/integration/test_milter_history.py \
	tests/integration/test_milter_spool.py tests/integration/test_milter_restart.py \
	tests/integration/test_milter_retry.py tests/integration/test_milter_metrics.py \
	tests/integration/test_milter_schema.py
dist_noinst_SCRIPTS += tests/bench/milter_throughput.py
