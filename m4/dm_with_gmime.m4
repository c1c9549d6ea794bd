# DM_WITH_GMIME: GMime 3, to walk the MIME structure of incoming report mail, found with pkg-config (gmime-3.0).
AC_DEFUN([DM_WITH_GMIME], [
  PKG_CHECK_MODULES([GMIME], [gmime-3.0 >= 3.2], [],
    [AC_MSG_ERROR([GMime 3.2, to walk the MIME of incoming report mail (gmime-3.0) not found: apt-get install libgmime-3.0-dev])])
])
