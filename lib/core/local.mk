# lib/core/local.mk: the pure DMARC engine (no I/O). Included by Makefile.am.
lib_libdmarccore_a_SOURCES += \
	lib/core/alignment.cc \
	lib/core/alignment.hh \
	lib/core/auth_result_names.cc \
	lib/core/auth_results.cc \
	lib/core/auth_results.hh \
	lib/core/dkim_result.hh \
	lib/core/dmarc_record.cc \
	lib/core/dmarc_record.hh \
	lib/core/dns_answer.cc \
	lib/core/dns_answer.hh \
	lib/core/domain_name.cc \
	lib/core/domain_name.hh \
	lib/core/error.hh \
	lib/core/from_header.cc \
	lib/core/from_header.hh \
	lib/core/idna.hh \
	lib/core/org_domain.cc \
	lib/core/org_domain.hh \
	lib/core/policy_engine.cc \
	lib/core/policy_engine.hh \
	lib/core/public_suffix.hh \
	lib/core/spf_result.hh \
	lib/core/verdict.cc \
	lib/core/verdict.hh \
	lib/core/version.hh

tests_unit_test_core_SOURCES += \
	tests/unit/test-verdict_cc.cc

# The scenario driver (STYLE.md convention 14): tests/scenarios/*.in -> .ref.
check_PROGRAMS += tests/tools/dmarc-eval
tests_tools_dmarc_eval_SOURCES = tests/tools/dmarc-eval.cc
tests_tools_dmarc_eval_CPPFLAGS = $(AM_CPPFLAGS) $(DM_ADAPTER_CFLAGS)
tests_tools_dmarc_eval_LDADD = $(DM_LIBS)
