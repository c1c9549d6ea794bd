# DM_WITH_LIBPSL: libpsl and libidn2, the Public Suffix List and IDNA libraries, found with pkg-config (libpsl libidn2).
AC_DEFUN([DM_WITH_LIBPSL], [
  PKG_CHECK_MODULES([LIBPSL], [libpsl libidn2], [],
    [AC_MSG_ERROR([libpsl and libidn2, the Public Suffix List and IDNA libraries (libpsl libidn2) not found: apt-get install libpsl-dev libidn2-dev publicsuffix])])
])
