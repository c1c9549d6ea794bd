# milter/local.mk: the dmarc-milter daemon. Included by Makefile.am.
