# lib/adapters/store.mk: included by Makefile.am.
