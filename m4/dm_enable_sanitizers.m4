# DM_ENABLE_SANITIZERS: --enable-sanitizers builds everything with ASan and UBSan.
AC_DEFUN([DM_ENABLE_SANITIZERS], [
  AC_ARG_ENABLE([sanitizers],
    [AS_HELP_STRING([--enable-sanitizers], [build with AddressSanitizer and UndefinedBehaviorSanitizer])],
    [], [enable_sanitizers=no])
  DM_SAN_FLAGS=""
  AS_IF([test "x$enable_sanitizers" = "xyes"], [
    # GCC 12 reports false -Wmaybe-uninitialized inside libstdc++'s std::regex
    # when the sanitizers instrument it; with -Werror that would stop the build.
    DM_SAN_FLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined -Wno-maybe-uninitialized"
  ])
  AM_CONDITIONAL([SANITIZERS], [test "x$enable_sanitizers" = "xyes"])
  AC_SUBST([DM_SAN_FLAGS])
])
