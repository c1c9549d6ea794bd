# lib/adapters/dkim.mk: included by Makefile.am.
