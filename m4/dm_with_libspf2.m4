# DM_WITH_LIBSPF2: libspf2 (no pkg-config file in Debian).
AC_DEFUN([DM_WITH_LIBSPF2], [
  AC_CHECK_HEADER([spf2/spf.h], [],
    [AC_MSG_ERROR([libspf2 headers not found: apt-get install libspf2-dev])],
    [#include <netinet/in.h>
#include <sys/socket.h>
#include <arpa/inet.h>])
  dm_save_LIBS="$LIBS"
  AC_SEARCH_LIBS([SPF_server_new], [spf2], [],
    [AC_MSG_ERROR([libspf2 not found: apt-get install libspf2-dev])])
  LIBS="$dm_save_LIBS"
  AC_SUBST([LIBSPF2_LIBS], ["-lspf2"])
])
