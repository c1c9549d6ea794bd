# lib/core/local.mk: the pure DMARC engine (no I/O). Included by Makefile.am.
lib_libdmarccore_a_SOURCES += \
	lib/core/address_list.cc \
	lib/core/address_list.hh \
	lib/core/alignment.cc \
	lib/core/alignment.hh \
	lib/core/arc_chain.cc \
	lib/core/arc_chain.hh \
	lib/core/arc_headers.cc \
	lib/core/arc_headers.hh \
	lib/core/arc_lift.cc \
	lib/core/arc_lift.hh \
	lib/core/arc_result.cc \
	lib/core/arc_result.hh \
	lib/core/ascii_text.cc \
	lib/core/ascii_text.hh \
	lib/core/auth_result_names.cc \
	lib/core/auth_results.cc \
	lib/core/auth_results.hh \
	lib/core/author_domains.cc \
	lib/core/author_domains.hh \
	lib/core/base64.cc \
	lib/core/base64.hh \
	lib/core/dkim_key_record.cc \
	lib/core/dkim_key_record.hh \
	lib/core/decision.cc \
	lib/core/decision.hh \
	lib/core/dkim_result.hh \
	lib/core/dmarc_record.cc \
	lib/core/dmarc_record.hh \
	lib/core/dns_answer.cc \
	lib/core/dns_answer.hh \
	lib/core/domain_name.cc \
	lib/core/domain_name.hh \
	lib/core/error.hh \
	lib/core/failure_condition.cc \
	lib/core/failure_condition.hh \
	lib/core/failure_report.cc \
	lib/core/failure_report.hh \
	lib/core/from_header.cc \
	lib/core/from_header.hh \
	lib/core/header_canon.cc \
	lib/core/header_canon.hh \
	lib/core/header_counts.cc \
	lib/core/header_counts.hh \
	lib/core/header_name.cc \
	lib/core/header_name.hh \
	lib/core/header_section.cc \
	lib/core/header_section.hh \
	lib/core/idna.hh \
	lib/core/latency_histogram.cc \
	lib/core/latency_histogram.hh \
	lib/core/listen_address.cc \
	lib/core/listen_address.hh \
	lib/core/local_policy.cc \
	lib/core/local_policy.hh \
	lib/core/list_authentication.cc \
	lib/core/list_authentication.hh \
	lib/core/local_part_redaction.cc \
	lib/core/local_part_redaction.hh \
	lib/core/log_throttle.cc \
	lib/core/log_throttle.hh \
	lib/core/mail_date.cc \
	lib/core/mail_date.hh \
	lib/core/org_domain.cc \
	lib/core/org_domain.hh \
	lib/core/policy_engine.cc \
	lib/core/policy_engine.hh \
	lib/core/prometheus_text.cc \
	lib/core/prometheus_text.hh \
	lib/core/public_suffix.hh \
	lib/core/quoted_printable.cc \
	lib/core/quoted_printable.hh \
	lib/core/retry_backoff.cc \
	lib/core/retry_backoff.hh \
	lib/core/schema_requirement.cc \
	lib/core/schema_requirement.hh \
	lib/core/site_policy.cc \
	lib/core/site_policy.hh \
	lib/core/spf_result.hh \
	lib/core/tag_list.cc \
	lib/core/tag_list.hh \
	lib/core/verdict.cc \
	lib/core/verdict.hh \
	lib/core/version.hh

tests_unit_test_core_SOURCES += \
	tests/unit/core/test-alignment_cc.cc \
	tests/unit/core/test-arc_chain_cc.cc \
	tests/unit/core/test-arc_headers_cc.cc \
	tests/unit/core/test-arc_lift_cc.cc \
	tests/unit/core/test-ascii_text_cc.cc \
	tests/unit/core/test-base64_cc.cc \
	tests/unit/core/test-decision_cc.cc \
	tests/unit/core/test-dkim_key_record_cc.cc \
	tests/unit/core/test-failure_condition_cc.cc \
	tests/unit/core/test-failure_report_cc.cc \
	tests/unit/core/test-header_section_cc.cc \
	tests/unit/core/test-local_part_redaction_cc.cc \
	tests/unit/core/test-quoted_printable_cc.cc \
	tests/unit/core/test-header_canon_cc.cc \
	tests/unit/core/test-header_name_cc.cc \
	tests/unit/core/test-list_authentication_cc.cc \
	tests/unit/core/test-tag_list_cc.cc \
	tests/unit/core/test-auth_results_cc.cc \
	tests/unit/core/test-dmarc_record_cc.cc \
	tests/unit/core/test-domain_name_cc.cc \
	tests/unit/core/test-from_header_cc.cc \
	tests/unit/core/test-listen_address_cc.cc \
	tests/unit/core/test-log_throttle_cc.cc \
	tests/unit/core/test-org_domain_cc.cc \
	tests/unit/core/test-policy_engine_cc.cc \
	tests/unit/core/test-prometheus_text_cc.cc \
	tests/unit/core/test-retry_backoff_cc.cc \
	tests/unit/core/test-schema_requirement_cc.cc \
	tests/unit/core/test-verdict_cc.cc

# The scenario driver (STYLE.md convention 14): tests/scenarios/*.in -> .ref.
check_PROGRAMS += tests/tools/dmarc-eval
# It compiles the few adapter files it needs itself rather than linking the whole
# adapter library, and takes the configuration parser from the daemon's
# library (only its config and address list objects are linked in), so it
# needs libpsl, libidn2 and OpenSSL only. The configuration parser reads
# its file through trusted_file (ownership and mode checks) and loads the
# ARC sealing key (ArcSealKeyFile) with arc_sealer and dkim_crypto, compiled
# here too.
tests_tools_dmarc_eval_SOURCES = tests/tools/dmarc-eval.cc lib/adapters/psl_idna.cc \
	lib/adapters/psl_list.cc lib/adapters/trusted_file.cc lib/adapters/dkim/arc_sealer.cc \
	lib/adapters/dkim/dkim_crypto.cc
tests_tools_dmarc_eval_CPPFLAGS = $(AM_CPPFLAGS) $(LIBPSL_CFLAGS) $(OPENSSL_CFLAGS)
tests_tools_dmarc_eval_LDADD = milter/libdmarcmilter.a $(DM_CORE_LIB) $(LIBPSL_LIBS) \
	$(OPENSSL_LIBS)

# Fuzz targets, one per hostile-input parser (STYLE.md convention 11); how
# they are built, replayed and run is in tests/local.mk.
DM_FUZZ_TARGETS += tests/fuzz/fuzz_from_header tests/fuzz/fuzz_dmarc_record \
	tests/fuzz/fuzz_auth_results tests/fuzz/fuzz_policy_engine tests/fuzz/fuzz_arc_headers \
	tests/fuzz/fuzz_failure_report

# The shared DMARC vectors through the real engine (dmarc-eval).
TESTS += tests/tools/dmarc-eval-vectors.py
dist_noinst_SCRIPTS += tests/tools/dmarc-eval-vectors.py

# Golden scenarios: tests/scenarios/*.in through dmarc-eval, diffed with *.ref;
# the site-*.in scenarios read the site-*.conf configuration files.
TESTS += tests/scenarios/run-scenarios.sh
dist_noinst_SCRIPTS += tests/scenarios/run-scenarios.sh
# Listed one by one: a directory here would also ship the test logs of the build tree.
EXTRA_DIST += \
	tests/scenarios/auth-results.in \
	tests/scenarios/auth-results.ref \
	tests/scenarios/basic.in \
	tests/scenarios/basic.ref \
	tests/scenarios/helo-mailfrom.in \
	tests/scenarios/helo-mailfrom.ref \
	tests/scenarios/idn.in \
	tests/scenarios/idn.ref \
	tests/scenarios/local-policy.in \
	tests/scenarios/local-policy.ref \
	tests/scenarios/malformed-from.in \
	tests/scenarios/malformed-from.ref \
	tests/scenarios/multi-from.in \
	tests/scenarios/multi-from.ref \
	tests/scenarios/policy-options.in \
	tests/scenarios/policy-options.ref \
	tests/scenarios/rfc7489.in \
	tests/scenarios/rfc7489.ref \
	tests/scenarios/site-arc.conf \
	tests/scenarios/site-arc.in \
	tests/scenarios/site-arc.ref \
	tests/scenarios/site-enforcement.conf \
	tests/scenarios/site-enforcement.in \
	tests/scenarios/site-enforcement.ref \
	tests/scenarios/site-exemptions.conf \
	tests/scenarios/site-exemptions.in \
	tests/scenarios/site-exemptions.ref \
	tests/scenarios/site-from-accept.conf \
	tests/scenarios/site-from-reject.conf \
	tests/scenarios/site-from.in \
	tests/scenarios/site-from.ref \
	tests/scenarios/site-headers.conf \
	tests/scenarios/site-headers.in \
	tests/scenarios/site-headers.ref \
	tests/scenarios/site-lists.conf \
	tests/scenarios/site-lists.in \
	tests/scenarios/site-lists.ref \
	tests/scenarios/site-monitor.conf \
	tests/scenarios/site-temperror-accept.conf \
	tests/scenarios/site-temperror-tempfail.conf \
	tests/scenarios/site-temperror.in \
	tests/scenarios/site-temperror.ref \
	tests/scenarios/temperror.in \
	tests/scenarios/temperror.ref \
	tests/scenarios/tree-walk.in \
	tests/scenarios/tree-walk.ref

# Benchmark (a plain timing loop; not run by make check): make tests/bench/engine-bench
noinst_PROGRAMS += tests/bench/engine-bench
tests_bench_engine_bench_SOURCES = tests/bench/engine_bench.cc
tests_bench_engine_bench_LDADD = $(DM_CORE_LIB)
