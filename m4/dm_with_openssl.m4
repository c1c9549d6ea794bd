# DM_WITH_OPENSSL: OpenSSL, found with pkg-config (openssl >= 3.0).
AC_DEFUN([DM_WITH_OPENSSL], [
  PKG_CHECK_MODULES([OPENSSL], [openssl >= 3.0], [],
    [AC_MSG_ERROR([OpenSSL (openssl >= 3.0) not found: apt-get install libssl-dev])])
])
