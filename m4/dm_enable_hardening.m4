# DM_ENABLE_HARDENING: hardening flags on by default (--disable-hardening to drop them).
AC_DEFUN([DM_ENABLE_HARDENING], [
  AC_ARG_ENABLE([hardening],
    [AS_HELP_STRING([--disable-hardening], [do not add stack protector, FORTIFY_SOURCE, PIE and RELRO flags])],
    [], [enable_hardening=yes])
  DM_HARDEN_CPPFLAGS=""
  DM_HARDEN_CXXFLAGS=""
  DM_HARDEN_LDFLAGS=""
  AS_IF([test "x$enable_hardening" = "xyes"], [
    # FORTIFY_SOURCE needs optimisation and conflicts with ASan's interceptors.
    AS_IF([test "x$enable_sanitizers" != "xyes" && test "x$enable_fuzzing" != "xyes"],
      [DM_HARDEN_CPPFLAGS="-U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=2"])
    DM_HARDEN_CXXFLAGS="-fstack-protector-strong -fPIE -fstack-clash-protection"
    DM_HARDEN_LDFLAGS="-pie -Wl,-z,relro -Wl,-z,now"
  ])
  AC_SUBST([DM_HARDEN_CPPFLAGS])
  AC_SUBST([DM_HARDEN_CXXFLAGS])
  AC_SUBST([DM_HARDEN_LDFLAGS])
])
