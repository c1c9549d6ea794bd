# lib/adapters/dns.mk: included by Makefile.am.
