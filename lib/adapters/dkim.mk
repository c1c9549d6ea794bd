# lib/adapters/dkim.mk: included by Makefile.am.
# DKIM verification (and signing, for tests, benchmarks and outgoing
# reports) through libopendkim, with key lookups routed to our DnsResolver.
lib_libdmarcadapters_a_SOURCES += \
	lib/adapters/dkim_capi.hh \
	lib/adapters/dkim_verifier.hh
