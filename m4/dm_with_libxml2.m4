# DM_WITH_LIBXML2: libxml2, the XML library used for reports, found with pkg-config (libxml-2.0).
AC_DEFUN([DM_WITH_LIBXML2], [
  PKG_CHECK_MODULES([LIBXML2], [libxml-2.0], [],
    [AC_MSG_ERROR([libxml2, the XML library used for reports (libxml-2.0) not found: apt-get install libxml2-dev])])
])
