# lib/adapters/dkim.mk: included by Makefile.am.
# DKIM verification (and signing, for tests, benchmarks and outgoing
# reports) through libopendkim, with key lookups routed to our DnsResolver.
lib_libdmarcadapters_a_SOURCES += \
	lib/adapters/dkim_capi.hh \
	lib/adapters/dkim_dns.cc \
	lib/adapters/dkim_dns.hh \
	lib/adapters/dkim_signer.cc \
	lib/adapters/dkim_signer.hh \
	lib/adapters/dkim_text.hh \
	lib/adapters/dkim_verifier.cc \
	lib/adapters/dkim_verifier.hh

tests_unit_test_adapters_SOURCES += \
	tests/unit/test-dkim_dns_cc.cc \
	tests/unit/test-dkim_signer_cc.cc \
	tests/unit/test-dkim_verifier_cc.cc
