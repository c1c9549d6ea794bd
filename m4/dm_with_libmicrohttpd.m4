# DM_WITH_LIBMICROHTTPD: GNU libmicrohttpd, the HTTP server library behind dmarc-milter's metrics listener, found with pkg-config (libmicrohttpd).
AC_DEFUN([DM_WITH_LIBMICROHTTPD], [
  PKG_CHECK_MODULES([LIBMICROHTTPD], [libmicrohttpd >= 0.9.71], [],
    [AC_MSG_ERROR([libmicrohttpd, the HTTP server library of the metrics listener (libmicrohttpd >= 0.9.71) not found: apt-get install libmicrohttpd-dev])])
])
