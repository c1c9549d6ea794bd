# DM_WITH_LIBMILTER: sendmail's libmilter (no pkg-config file in Debian).
AC_DEFUN([DM_WITH_LIBMILTER], [
  AC_CHECK_HEADER([libmilter/mfapi.h], [],
    [AC_MSG_ERROR([libmilter headers not found: apt-get install libmilter-dev])])
  dm_save_LIBS="$LIBS"
  AC_SEARCH_LIBS([smfi_main], [milter], [],
    [AC_MSG_ERROR([libmilter not found: apt-get install libmilter-dev])], [-lpthread])
  LIBS="$dm_save_LIBS"
  AC_SUBST([LIBMILTER_LIBS], ["-lmilter -lpthread"])
])
