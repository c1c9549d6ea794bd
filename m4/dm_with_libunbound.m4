# DM_WITH_LIBUNBOUND: libunbound, the DNS resolver.
# Debian 12's libunbound.pc requires libevent.pc, which only libevent-dev
# ships; we do not use libevent, so fall back to a plain header and library
# check rather than pulling it in.
AC_DEFUN([DM_WITH_LIBUNBOUND], [
  PKG_CHECK_MODULES([LIBUNBOUND], [libunbound], [], [
    AC_CHECK_HEADER([unbound.h], [],
      [AC_MSG_ERROR([libunbound headers not found: apt-get install libunbound-dev])])
    dm_save_LIBS="$LIBS"
    AC_SEARCH_LIBS([ub_ctx_create], [unbound], [],
      [AC_MSG_ERROR([libunbound not found: apt-get install libunbound-dev])])
    LIBS="$dm_save_LIBS"
    LIBUNBOUND_CFLAGS=""
    LIBUNBOUND_LIBS="-lunbound"
  ])
])
