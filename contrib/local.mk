# contrib/local.mk: what a system needs beside the programs, installed by
# make install and, through it, by the Debian packages (debian/): the sample
# configuration, the systemd units, drop-in, users and directories, the
# settings of the report runs and a cron example. Files named *.in get the
# install paths at make time (DM_EDIT_PATHS in Makefile.am).
systemdsystemunitdir = @systemdsystemunitdir@
sysusersdir = @sysusersdir@
tmpfilesdir = @tmpfilesdir@
examplesdir = $(docdir)/examples

dm_contrib_sources = \
	contrib/systemd/dmarc-milter.service.in \
	contrib/systemd/dmarc-reports.service.in \
	contrib/systemd/dmarc-reports-ingest.service.in \
	contrib/systemd/dmarc-reports-failures.service.in \
	contrib/systemd/postfix-chroot.conf.in \
	contrib/systemd/dmarc-milter.tmpfiles.in \
	contrib/dmarc-reports.default.in \
	contrib/dmarc-reports.cron.in
EXTRA_DIST += $(dm_contrib_sources) \
	contrib/systemd/dmarc-reports.timer \
	contrib/systemd/dmarc-reports-ingest.timer \
	contrib/systemd/dmarc-reports-failures.timer \
	contrib/systemd/dmarc-milter.sysusers \
	contrib/systemd/dmarc-reports.sysusers

dm_contrib_edited = \
	contrib/systemd/dmarc-milter.service \
	contrib/systemd/dmarc-reports.service \
	contrib/systemd/dmarc-reports-ingest.service \
	contrib/systemd/dmarc-reports-failures.service \
	contrib/systemd/postfix-chroot.conf \
	contrib/systemd/dmarc-milter.tmpfiles \
	contrib/dmarc-reports.default \
	contrib/dmarc-reports.cron
$(dm_contrib_edited): Makefile
	$(AM_V_GEN)$(MKDIR_P) $(@D) && $(DM_EDIT_PATHS) $(srcdir)/$@.in > $@.tmp && mv $@.tmp $@
contrib/systemd/dmarc-milter.service: $(srcdir)/contrib/systemd/dmarc-milter.service.in
contrib/systemd/dmarc-reports.service: $(srcdir)/contrib/systemd/dmarc-reports.service.in
contrib/systemd/dmarc-reports-ingest.service: $(srcdir)/contrib/systemd/dmarc-reports-ingest.service.in
contrib/systemd/dmarc-reports-failures.service: $(srcdir)/contrib/systemd/dmarc-reports-failures.service.in
contrib/systemd/postfix-chroot.conf: $(srcdir)/contrib/systemd/postfix-chroot.conf.in
contrib/systemd/dmarc-milter.tmpfiles: $(srcdir)/contrib/systemd/dmarc-milter.tmpfiles.in
contrib/dmarc-reports.default: $(srcdir)/contrib/dmarc-reports.default.in
contrib/dmarc-reports.cron: $(srcdir)/contrib/dmarc-reports.cron.in

# The configuration file, every key commented out at its default, generated
# from the key table (milter/config_keys.def) by the daemon itself.
contrib/dmarc-milter.conf: milter/dmarc-milter$(EXEEXT)
	$(AM_V_GEN)$(MKDIR_P) $(@D) && milter/dmarc-milter$(EXEEXT) --sample-config > $@.tmp && mv $@.tmp $@

CLEANFILES += $(dm_contrib_edited) contrib/dmarc-milter.conf
noinst_DATA = contrib/dmarc-milter.conf contrib/dmarc-reports.default contrib/systemd/dmarc-milter.tmpfiles

systemdsystemunit_DATA = contrib/systemd/dmarc-milter.service contrib/systemd/dmarc-reports.service \
	contrib/systemd/dmarc-reports-ingest.service contrib/systemd/dmarc-reports-failures.service
dist_systemdsystemunit_DATA = contrib/systemd/dmarc-reports.timer \
	contrib/systemd/dmarc-reports-ingest.timer contrib/systemd/dmarc-reports-failures.timer
pkgdata_DATA += contrib/systemd/postfix-chroot.conf
examples_DATA = contrib/dmarc-reports.cron

# sysusers.d and tmpfiles.d files are named after the package they belong to;
# the configuration files are installed only where none exists yet, so that
# make install never overwrites an administrator's, and uninstalled only if
# unchanged.
dm_installed_configs = dmarc-milter.conf default/dmarc-reports
install-data-local: contrib/dmarc-milter.conf contrib/dmarc-reports.default contrib/systemd/dmarc-milter.tmpfiles
	$(MKDIR_P) '$(DESTDIR)$(sysusersdir)' '$(DESTDIR)$(tmpfilesdir)' '$(DESTDIR)$(sysconfdir)/default'
	$(INSTALL_DATA) $(srcdir)/contrib/systemd/dmarc-milter.sysusers '$(DESTDIR)$(sysusersdir)/dmarc-milter.conf'
	$(INSTALL_DATA) $(srcdir)/contrib/systemd/dmarc-reports.sysusers '$(DESTDIR)$(sysusersdir)/dmarc-reports.conf'
	$(INSTALL_DATA) contrib/systemd/dmarc-milter.tmpfiles '$(DESTDIR)$(tmpfilesdir)/dmarc-milter.conf'
	@for pair in dmarc-milter.conf:contrib/dmarc-milter.conf default/dmarc-reports:contrib/dmarc-reports.default; do \
	  target='$(DESTDIR)$(sysconfdir)'/$${pair%%:*}; \
	  if test -e "$$target"; then \
	    echo "  keeping $$target (the new one: $${pair#*:})"; \
	  else \
	    echo " $(INSTALL_DATA) $${pair#*:} $$target"; \
	    $(INSTALL_DATA) $${pair#*:} "$$target" || exit 1; \
	  fi; \
	done

uninstall-local:
	rm -f '$(DESTDIR)$(sysusersdir)/dmarc-milter.conf' '$(DESTDIR)$(sysusersdir)/dmarc-reports.conf' \
	  '$(DESTDIR)$(tmpfilesdir)/dmarc-milter.conf'
	@for pair in dmarc-milter.conf:contrib/dmarc-milter.conf default/dmarc-reports:contrib/dmarc-reports.default; do \
	  target='$(DESTDIR)$(sysconfdir)'/$${pair%%:*}; \
	  if cmp -s "$$target" $${pair#*:}; then echo " rm -f $$target"; rm -f "$$target"; \
	  elif test -e "$$target"; then echo "  keeping $$target (changed)"; fi; \
	done

# The Debian packages' recipe travels with the source, so that a release
# tarball builds them too.
EXTRA_DIST += debian/changelog debian/control debian/copyright debian/rules debian/source/format \
	debian/dmarc-milter.install debian/dmarc-milter.postrm debian/dmarc-reports.install \
	debian/dmarc-reports.examples

# The packages built, checked with lintian and systemd-analyze, installed on
# this machine, run behind the test Postfix and purged (as root; about 4
# minutes, most of it the package build). tests/run-all runs it after make
# check.
dist_noinst_SCRIPTS += tests/package/run.py
check-package:
	TOP_SRCDIR='$(abs_top_srcdir)' PYTHONPATH='$(abs_top_srcdir)/tests' PYTHONDONTWRITEBYTECODE=1 \
	  $(PYTHON3) $(abs_top_srcdir)/tests/package/run.py
.PHONY: check-package
