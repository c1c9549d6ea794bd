# DM_WITH_LIBARCHIVE: libarchive, to open zip report attachments, found with pkg-config (libarchive).
AC_DEFUN([DM_WITH_LIBARCHIVE], [
  PKG_CHECK_MODULES([LIBARCHIVE], [libarchive], [],
    [AC_MSG_ERROR([libarchive, to open zip report attachments (libarchive) not found: apt-get install libarchive-dev])])
])
