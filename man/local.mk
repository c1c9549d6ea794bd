# man/local.mk: man pages, filled in with install paths by make (see the
# rule below), linted by tests/check-man.sh in make check.
man_sources =
man_MANS +=
man_sources += man/dmarc-reports.8.in
man_MANS += man/dmarc-reports.8
man_sources += man/dmarc-milter.8.in man/dmarc-milter.conf.5.in
man_MANS += man/dmarc-milter.8 man/dmarc-milter.conf.5
EXTRA_DIST += $(man_sources)
CLEANFILES += $(man_MANS)

SUFFIXES = .5.in .5 .8.in .8
.5.in.5:
	$(AM_V_GEN)$(MKDIR_P) $(@D) && $(DM_EDIT_PATHS) $< > $@
.8.in.8:
	$(AM_V_GEN)$(MKDIR_P) $(@D) && $(DM_EDIT_PATHS) $< > $@
