# reporting/local.mk: the dmarc-reports batch tool. Included by Makefile.am.
