# reporting/transport/local.mk: how the senders deliver: SMTP (mailer and its
# options) and HTTPS (client and report poster), both on libcurl, what a TLS
# conversation is given, the host's identity in messages, and the byte sink
# reports are written into. Included by Makefile.am.
noinst_LIBRARIES += reporting/transport/libtransport.a
reporting_transport_libtransport_a_CPPFLAGS = $(AM_CPPFLAGS) $(DM_ADAPTER_CFLAGS) $(LIBCURL_CFLAGS)
reporting_transport_libtransport_a_SOURCES = \
	reporting/transport/byte_sink.hh \
	reporting/transport/curl_easy.cc \
	reporting/transport/curl_easy.hh \
	reporting/transport/host_identity.cc \
	reporting/transport/host_identity.hh \
	reporting/transport/https_client.cc \
	reporting/transport/https_client.hh \
	reporting/transport/https_poster.cc \
	reporting/transport/https_poster.hh \
	reporting/transport/mailer.cc \
	reporting/transport/mailer.hh \
	reporting/transport/mailer_options.cc \
	reporting/transport/mailer_options.hh \
	reporting/transport/tls_client.hh

tests_unit_test_reporting_SOURCES += \
	tests/unit/reporting/transport/test-https_client_cc.cc \
	tests/unit/reporting/transport/test-https_poster_cc.cc \
	tests/unit/reporting/transport/test-mailer_cc.cc \
	tests/unit/loopback_listener.hh \
	tests/unit/self_signed_certificate.hh \
	tests/unit/smtp_lines.hh
