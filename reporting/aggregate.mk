# reporting/aggregate.mk: aggregate report building and sending (dmarc-reports send). Included by Makefile.am.
