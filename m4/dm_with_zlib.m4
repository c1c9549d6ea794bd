# DM_WITH_ZLIB: zlib, for gzip, found with pkg-config (zlib).
AC_DEFUN([DM_WITH_ZLIB], [
  PKG_CHECK_MODULES([ZLIB], [zlib], [],
    [AC_MSG_ERROR([zlib, for gzip (zlib) not found: apt-get install zlib1g-dev])])
])
