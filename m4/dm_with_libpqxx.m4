# DM_WITH_LIBPQXX: libpqxx, the PostgreSQL client, found with pkg-config (libpqxx >= 6.4).
AC_DEFUN([DM_WITH_LIBPQXX], [
  PKG_CHECK_MODULES([LIBPQXX], [libpqxx >= 6.4], [],
    [AC_MSG_ERROR([libpqxx, the PostgreSQL client (libpqxx >= 6.4) not found: apt-get install libpqxx-dev])])
])
