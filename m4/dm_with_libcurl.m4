# DM_WITH_LIBCURL: libcurl with OpenSSL, for HTTPS report delivery, MTA-STS policy fetches and the SMTP relay, found with pkg-config (libcurl).
AC_DEFUN([DM_WITH_LIBCURL], [
  PKG_CHECK_MODULES([LIBCURL], [libcurl >= 7.85], [],
    [AC_MSG_ERROR([libcurl 7.85, for HTTPS delivery, MTA-STS fetches and SMTP (libcurl) not found: apt-get install libcurl4-openssl-dev])])
])
