# lib/adapters/store/local.mk: the history store. Included by Makefile.am.
# The pure parts (the record type, the VerdictStore interface, the spool
# record codec) go into the core library; the spool, the PostgreSQL writer
# and the migrator into the adapters library.
lib_libdmarccore_a_SOURCES += \
	lib/core/message_identity.cc \
	lib/core/message_identity.hh \
	lib/core/message_record.cc \
	lib/core/message_record.hh \
	lib/core/message_record_codec.cc \
	lib/core/message_record_codec.hh \
	lib/core/verdict_store.hh

lib_libdmarcadapters_a_SOURCES += \
	lib/adapters/store/pg_connection.cc \
	lib/adapters/store/pg_connection.hh \
	lib/adapters/store/pg_failure_sql.cc \
	lib/adapters/store/pg_failure_sql.hh \
	lib/adapters/store/pg_migrator.cc \
	lib/adapters/store/pg_migrator.hh \
	lib/adapters/store/pg_verdict_sink.cc \
	lib/adapters/store/pg_verdict_sink.hh \
	lib/adapters/store/pg_verdict_sql.cc \
	lib/adapters/store/pg_verdict_sql.hh \
	lib/adapters/store/store_options.hh \
	lib/adapters/store/verdict_schema.cc \
	lib/adapters/store/verdict_schema.hh \
	lib/adapters/store/verdict_sink.hh \
	lib/adapters/store/verdict_spool.cc \
	lib/adapters/store/verdict_spool.hh \
	lib/adapters/store/verdict_writer.cc \
	lib/adapters/store/verdict_writer.hh

tests_unit_test_core_SOURCES += \
	tests/unit/core/test-message_identity_cc.cc \
	tests/unit/core/test-message_record_codec_cc.cc

tests_unit_test_adapters_SOURCES += \
	tests/unit/adapters/store/test-pg_connection_cc.cc \
	tests/unit/adapters/store/test-pg_failure_sql_cc.cc \
	tests/unit/adapters/store/test-pg_migrator_cc.cc \
	tests/unit/adapters/store/test-pg_verdict_sql_cc.cc \
	tests/unit/adapters/store/test-verdict_schema_cc.cc \
	tests/unit/adapters/store/test-verdict_spool_cc.cc \
	tests/unit/adapters/store/test-verdict_writer_cc.cc

EXTRA_DIST += tests/unit/fake_verdict_store.hh tests/unit/sample_message_record.hh \
	tests/unit/adapters/store/small_tmpfs.hh tests/unit/temp_directory.hh

# tests/tools/store-driver: plays the milter towards the store (integration
# tests, benchmark). Built by make check, never installed.
check_PROGRAMS += tests/tools/store-driver
tests_tools_store_driver_SOURCES = tests/tools/store-driver.cc
tests_tools_store_driver_CPPFLAGS = $(AM_CPPFLAGS) $(DM_ADAPTER_CFLAGS)
tests_tools_store_driver_LDADD = $(DM_LIBS)
EXTRA_DIST += tests/integration/test_store.py tests/integration/golden/spool_record_v1.hex \
	tests/integration/test_failover.py tests/integration/test_partitions.py \
	tests/integration/test_pooler.py
EXTRA_DIST += tests/bench/bench_store.py tests/bench/bench_milter_store.py tests/bench/bench_capacity.py \
	tests/bench/bench_failure_reports.py tests/bench/bench_failure_send.py
