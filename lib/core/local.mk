# lib/core/local.mk: the pure DMARC engine (no I/O). Included by Makefile.am.
lib_libdmarccore_a_SOURCES += \
	lib/core/auth_result_names.cc \
	lib/core/dkim_result.hh \
	lib/core/dns_answer.cc \
	lib/core/dns_answer.hh \
	lib/core/error.hh \
	lib/core/spf_result.hh \
	lib/core/verdict.cc \
	lib/core/verdict.hh \
	lib/core/version.hh

tests_unit_test_core_SOURCES += \
	tests/unit/test-verdict_cc.cc
