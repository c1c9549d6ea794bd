# DM_WITH_LIBOPENDKIM: libopendkim, the DKIM verifier, found with pkg-config (opendkim).
AC_DEFUN([DM_WITH_LIBOPENDKIM], [
  PKG_CHECK_MODULES([LIBOPENDKIM], [opendkim], [],
    [AC_MSG_ERROR([libopendkim, the DKIM verifier (opendkim) not found: apt-get install libopendkim-dev])])
])
