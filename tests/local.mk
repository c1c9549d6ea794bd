# tests/local.mk: checks that are not unit tests, and the integration suite
# with real services (PostgreSQL, unbound, Postfix) started by tests/harness.
TESTS += tests/check-purity.sh tests/check-man.sh tests/integration/run.py
dist_noinst_SCRIPTS += tests/check-purity.sh tests/check-man.sh tests/integration/run.py \
	tests/run-all tests/summarize.py contrib/install-deps contrib/quickstart
dist_noinst_DATA += tests/harness/__init__.py tests/harness/services.py \
	tests/integration/__init__.py tests/integration/test_services.py contrib/debian-packages
