# lib/adapters/local.mk: thin RAII adapters around the C libraries.
# Included by Makefile.am; dns/, dkim/ (with ARC) and store/ list their own
# files in their local.mk.
lib_libdmarcadapters_a_SOURCES += \
	lib/adapters/c_handles.hh

tests_unit_test_adapters_SOURCES += \
	tests/unit/adapters/test-c_handles_hh.cc

EXTRA_DIST += tests/unit/fake_resolver.hh

# PSL adapter (engine): libpsl Public Suffix List and libidn2 A-labels behind
# the pure PublicSuffixList and IdnaConverter interfaces of lib/core.
lib_libdmarcadapters_a_SOURCES += \
	lib/adapters/psl_idna.cc \
	lib/adapters/psl_idna.hh \
	lib/adapters/psl_list.cc \
	lib/adapters/psl_list.hh
tests_unit_test_adapters_SOURCES += \
	tests/unit/adapters/test-psl_idna_cc.cc \
	tests/unit/adapters/test-psl_list_cc.cc

# The first-come, first-served limit on end-of-message work (the milter) and
# the scope DNS waits step out of it with (the resolver).
lib_libdmarcadapters_a_SOURCES += \
	lib/adapters/cpu_gate.cc \
	lib/adapters/cpu_gate.hh
tests_unit_test_adapters_SOURCES += \
	tests/unit/adapters/test-cpu_gate_cc.cc

# Reading configuration and password files only when nobody else could have
# written (or, for a password, read) them.
lib_libdmarcadapters_a_SOURCES += \
	lib/adapters/trusted_file.cc \
	lib/adapters/trusted_file.hh
tests_unit_test_adapters_SOURCES += \
	tests/unit/adapters/test-trusted_file_cc.cc

# The metrics endpoint of dmarc-milter (libmicrohttpd); its test is in the
# milter's runner, which links libmicrohttpd.
lib_libdmarcadapters_a_SOURCES += \
	lib/adapters/metrics_listener.cc \
	lib/adapters/metrics_listener.hh
