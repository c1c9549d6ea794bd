# tests/local.mk: checks that are not unit tests, and the integration suite
# with real services (PostgreSQL, unbound, Postfix) started by tests/harness.
TESTS += tests/check-purity.sh tests/check-man.sh
dist_noinst_SCRIPTS += tests/check-purity.sh tests/check-man.sh
