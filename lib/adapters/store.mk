# lib/adapters/store.mk: the history store. Included by Makefile.am.
# The pure parts (the record type, the VerdictStore interface, the spool
# record codec) go into the core library; the spool, the PostgreSQL writer
# and the migrator into the adapters library.
lib_libdmarccore_a_SOURCES += \
	lib/core/message_record.cc \
	lib/core/message_record.hh \
	lib/core/verdict_store.hh

lib_libdmarcadapters_a_SOURCES += \
	lib/adapters/store_options.hh

EXTRA_DIST += tests/unit/fake_verdict_store.hh
