# DM_WITH_LIBPQXX: libpqxx, the PostgreSQL client, found with pkg-config (libpqxx >= 6.4).
# libpq is named too: the store's adapters call PQconninfoParse directly
# (password-file handling and redacted logging of connection strings).
AC_DEFUN([DM_WITH_LIBPQXX], [
  PKG_CHECK_MODULES([LIBPQXX], [libpqxx >= 6.4 libpq], [],
    [AC_MSG_ERROR([libpqxx, the PostgreSQL client (libpqxx >= 6.4) not found: apt-get install libpqxx-dev])])
])
